import type { Request, Response, Router } from 'express'
import { randomBytes } from 'node:crypto'
import { isAtprotoDidRefAbsolute, REPO_ACTIONS } from '@atproto/oauth-scopes'
import { XrpcError } from '../protocol/errors.ts'
import type { BodyRequest } from '../model/body.ts'
import type { Clock } from '../model/clock.ts'
import type { AuthStore } from '../mock-as/store.ts'
import { CONFORMANCE_SERVICE } from '../mock-as/permission-sets.ts'
import type { ResourceAuth } from './resource-auth.ts'
import { permissionsOf } from './permissions.ts'
import { assertProxyable, reachesProxy } from './xrpc-methods.ts'

/** What the permission-checked XRPC methods need from the PDS. */
export interface GranularXrpcDeps {
  /** Wraps a handler that needs an OAuth session (the PDS's own error mapping). */
  authed(handler: (req: Request, auth: ResourceAuth) => unknown): (req: Request, res: Response) => void
  /** Wraps a handler that authenticates itself (or not at all). */
  xrpc(handler: (req: Request, auth: ResourceAuth | undefined) => unknown, requireAuth: boolean): (req: Request, res: Response) => void
  /** Authenticates an OAuth request (DPoP, token, session). */
  authenticate(req: Request, res: Response): ResourceAuth
  /** Checks that `repo` names the session's account (DID or handle). */
  assertOwnRepo(repo: unknown, auth: ResourceAuth): void
  clock: Clock
  authStore: AuthStore
  /** A record write the PDS keeps (the transcript shows the call; this keeps what it wrote). */
  store(uri: string, value: unknown): { uri: string; cid: string; changed: boolean }
  /** Forgets a stored record; false when there was none. */
  remove(uri: string): boolean
  /** A new repository head after a write (the reference's `commit` output). */
  commit(): { cid: string; rev: string }
}

type Action = (typeof REPO_ACTIONS)[number]

const HOUR_MS = 60 * 60 * 1000
const MINUTE_MS = 60 * 1000

function jsonBody(req: Request): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse((req as BodyRequest).rawBody?.toString('utf8') || 'null')
  } catch {
    throw new XrpcError(400, 'InvalidRequest', 'Request body is not valid JSON')
  }
  if (!body || typeof body !== 'object') throw new XrpcError(400, 'InvalidRequest', 'Input must be an object')
  return body as Record<string, unknown>
}

function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name]
  if (typeof v !== 'string') throw new XrpcError(400, 'InvalidRequest', `Input must have the property "${name}"`)
  return v
}

const cid = () => `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`

/** `did:plc:…` or `did:web:…`, as `@atproto/did` `isAtprotoDid` accepts them. */
const isAtprotoDid = (v: string) => /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%-]+)$/.test(v)

/** An unsigned-looking service JWT: clients treat it as opaque, and no service in the World verifies it. */
function serviceJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ typ: 'JWT', alg: 'ES256K' })}.${part(claims)}.${randomBytes(64).toString('base64url')}`
}

/** The services the World's DID documents publish for proxied calls (resolution is in memory: no wire). */
const SERVICE_IDS: Record<string, readonly string[]> = { [CONFORMANCE_SERVICE.did]: [CONFORMANCE_SERVICE.id, 'other_svc'] }

/** Reference `parseProxyHeader()`: the header's checks and messages, all before authentication. */
function parseProxyHeader(value: string): { did: string; serviceId: string } {
  const hash = value.indexOf('#')
  if (hash === 0) throw new XrpcError(400, 'InvalidRequest', 'no did specified in proxy header')
  if (hash === -1 || hash === value.length - 1) throw new XrpcError(400, 'InvalidRequest', 'no service id specified in proxy header')
  if (value.indexOf('#', hash + 1) !== -1) throw new XrpcError(400, 'InvalidRequest', 'invalid proxy header format')
  if (value.includes(' ')) throw new XrpcError(400, 'InvalidRequest', 'proxy header cannot contain spaces')
  const did = value.slice(0, hash)
  const serviceId = value.slice(hash + 1)
  const services = SERVICE_IDS[did]
  if (!services) throw new XrpcError(400, 'InvalidRequest', 'could not resolve proxy did')
  if (!services.includes(serviceId)) throw new XrpcError(400, 'InvalidRequest', 'could not resolve proxy did service url')
  return { did, serviceId }
}

/**
 * The XRPC methods whose answer depends on granular permissions, with the reference's checks
 * (`@atproto/pds` 0.5.35): repo writes by collection and action, blobs by MIME type, `getServiceAuth` by
 * `lxm`/`aud`, account status and handle changes, and proxied calls by method and `did#service` audience.
 * A missing permission throws the library's ScopeMissingError, which the PDS answers with 403.
 */
export function registerGranularXrpc(r: Router, deps: GranularXrpcDeps): void {
  const { authed } = deps
  const write = (auth: ResourceAuth, action: Action, collection: string) => permissionsOf(auth.session).assertRepo({ action, collection })

  r.post(
    '/xrpc/com.atproto.repo.putRecord',
    authed((req, auth) => {
      const body = jsonBody(req)
      deps.assertOwnRepo(body.repo, auth)
      const collection = stringField(body, 'collection')
      const rkey = stringField(body, 'rkey')
      // Reference: the PDS cannot tell a create from an update before the write, so it asks for both.
      write(auth, 'create', collection)
      write(auth, 'update', collection)
      const { changed, ...stored } = deps.store(`at://${auth.session.sub}/${collection}/${rkey}`, body.record)
      return { ...stored, ...(changed ? { commit: deps.commit() } : {}), validationStatus: 'unknown' }
    }),
  )
  r.post(
    '/xrpc/com.atproto.repo.deleteRecord',
    authed((req, auth) => {
      const body = jsonBody(req)
      deps.assertOwnRepo(body.repo, auth)
      const collection = stringField(body, 'collection')
      write(auth, 'delete', collection)
      const uri = `at://${auth.session.sub}/${collection}/${stringField(body, 'rkey')}`
      // Reference: deleting a record that does not exist is a no-op, answered without a commit.
      return deps.remove(uri) ? { commit: deps.commit() } : {}
    }),
  )
  r.post(
    '/xrpc/com.atproto.repo.applyWrites',
    authed((req, auth) => {
      const body = jsonBody(req)
      deps.assertOwnRepo(body.repo, auth)
      const writes = Array.isArray(body.writes) ? (body.writes as Record<string, unknown>[]) : undefined
      if (!writes) throw new XrpcError(400, 'InvalidRequest', 'Input must have the property "writes"')
      const kind = (w: Record<string, unknown>): Action | undefined =>
        REPO_ACTIONS.find((a) => w?.$type === `com.atproto.repo.applyWrites#${a}`)
      // Reference order: every create collection, then every update, then every delete.
      for (const action of REPO_ACTIONS) {
        for (const collection of new Set(writes.filter((w) => kind(w) === action).map((w) => String(w.collection)))) {
          write(auth, action, collection)
        }
      }
      const results = writes.map((w) => {
        const action = kind(w)
        if (!action) throw new XrpcError(400, 'InvalidRequest', 'Invalid write in "writes"')
        if (action === 'delete') return { $type: 'com.atproto.repo.applyWrites#deleteResult' }
        const rkey = typeof w.rkey === 'string' ? w.rkey : randomBytes(7).toString('hex')
        const { changed: _changed, ...stored } = deps.store(`at://${auth.session.sub}/${String(w.collection)}/${rkey}`, w.value)
        return { $type: `com.atproto.repo.applyWrites#${action}Result`, ...stored, validationStatus: 'unknown' }
      })
      return { commit: deps.commit(), results }
    }),
  )
  r.post(
    '/xrpc/com.atproto.repo.uploadBlob',
    authed((req, auth) => {
      const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim() || '*/*'
      permissionsOf(auth.session).assertBlob({ mime })
      const size = (req as BodyRequest).rawBody?.length ?? 0
      return { blob: { $type: 'blob', ref: { $link: cid() }, mimeType: mime, size } }
    }),
  )
  r.get(
    '/xrpc/com.atproto.server.getServiceAuth',
    authed((req, auth) => {
      const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined)
      const aud = q('aud') ?? ''
      const lxm = q('lxm')
      // Reference: the permission check runs first, with `lxm` defaulting to `*` (RES-07).
      permissionsOf(auth.session).assertRpc({ aud, lxm: lxm ?? '*' })
      if (!isAtprotoDid(aud) && !isAtprotoDidRefAbsolute(aud)) {
        throw new XrpcError(400, 'InvalidRequest', 'aud must be a valid atproto DID or did#serviceId reference')
      }
      const expParam = q('exp')
      const now = deps.clock.now()
      const exp = expParam !== undefined ? Number(expParam) : undefined
      if (exp !== undefined) {
        const diff = exp * 1000 - now
        if (diff < 0) throw new XrpcError(400, 'BadExpiration', 'expiration is in past')
        if (diff > HOUR_MS) {
          throw new XrpcError(400, 'BadExpiration', 'cannot request a token with an expiration more than an hour in the future')
        }
        if (!lxm && diff > MINUTE_MS) {
          throw new XrpcError(400, 'BadExpiration', 'cannot request a method-less token with an expiration more than a minute in the future')
        }
      }
      const iat = Math.floor(now / 1000)
      return { token: serviceJwt({ iat, iss: auth.session.sub, aud, exp: exp ?? iat + 60, lxm: lxm ?? null, jti: randomBytes(16).toString('hex') }) }
    }),
  )
  r.post(
    '/xrpc/com.atproto.server.deactivateAccount',
    authed((_req, auth) => {
      permissionsOf(auth.session).assertAccount({ attr: 'status', action: 'manage' })
      // `@atproto/pds` 0.5.35: deactivation through OAuth revokes every OAuth session of the account (SCOPE-11).
      for (const s of deps.authStore.sessions.values()) {
        if (s.sub === auth.session.sub) deps.authStore.revoke(s, 'account deactivated through OAuth')
      }
      return undefined
    }),
  )
  r.post(
    '/xrpc/com.atproto.server.activateAccount',
    authed(() => {
      throw new XrpcError(
        403,
        'Forbidden',
        'Account reactivation is not available with OAuth credentials. Sign in to your account management page to reactivate.',
      )
    }),
  )
  r.post(
    '/xrpc/com.atproto.identity.updateHandle',
    authed((req, auth) => {
      permissionsOf(auth.session).assertIdentity({ attr: 'handle' })
      stringField(jsonBody(req), 'handle')
      return undefined
    }),
  )
  // A proxied call (`atproto-proxy: did…#service`) to a method the PDS does not serve itself: the header is
  // parsed (and the DID resolved) before authentication; the scope check sees `did#serviceId` (reference
  // `pipethrough.ts`, RES-07).
  r.all('/xrpc/:nsid', (req, res, next) => {
    const header = req.headers['atproto-proxy']
    const lxm = req.params.nsid!
    if (header === undefined || !reachesProxy(lxm)) return next()
    deps.xrpc((req) => {
      assertProxyable(req.method)
      if (typeof header !== 'string') throw new XrpcError(400, 'InvalidRequest', 'invalid proxy header format')
      const { did, serviceId } = parseProxyHeader(header)
      const auth = deps.authenticate(req, res)
      permissionsOf(auth.session).assertRpc({ lxm, aud: `${did}#${serviceId}` })
      // The mock service answers every method: what matters is what reached the PDS and what it let through.
      return { service: `${did}#${serviceId}`, lxm, items: [] }
    }, false)(req, res)
  })
}
