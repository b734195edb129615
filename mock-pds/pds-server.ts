import { Router, type Request, type Response } from 'express'
import { randomBytes } from 'node:crypto'
import { OAuthError, XrpcError } from '../protocol/errors.ts'
import { sendMetadata, type FaultPlan } from '../mock-as/faults.ts'
import type { Account } from './identity/accounts.ts'
import { didDocument } from './identity/identity-server.ts'
import { authenticateResource, parseAuthorization, sendResourceOAuthError, setAuthHeaders, type ResourceAuth, type ResourceAuthDeps } from './resource-auth.ts'
import type { BodyRequest } from '../model/body.ts'
import { registerGranularXrpc } from './granular-xrpc.ts'
import { permissionsOf, ScopeMissingError, sendScopeMissing } from './permissions.ts'
import { registerRepoReads } from './repo-reads.ts'
import { assertProxyable, httpMethodGuard, noServiceConfigured, REFERENCE_METHODS } from './xrpc-methods.ts'

/** Everything the mock PDS needs from its World. */
export interface PdsDeps extends ResourceAuthDeps {
  /** The authorization server named in the protected-resource metadata. */
  issuer: () => string
  faults: FaultPlan
  accounts: readonly Account[]
  onHarnessFault(err: unknown, req: Request): void
}

function sendXrpc(res: Response, status: number, body: unknown): void {
  res.status(status)
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.end(JSON.stringify(body))
}

/** A record the PDS stored through createRecord. */
export interface StoredRecord {
  uri: string
  cid: string
  value: unknown
}

/** The head commit of the mock's repositories (one for all accounts: what a client sees is its shape). */
export class RepoHead {
  cid = `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`
  rev = tid()
  /** A write: a new head, returned as the reference's `commit` output. */
  commit(): { cid: string; rev: string } {
    this.cid = `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`
    this.rev = tid()
    return { cid: this.cid, rev: this.rev }
  }
}

/** A timestamp identifier (13 base32-sortable characters) like a repo `rev`. */
function tid(): string {
  const alphabet = '234567abcdefghijklmnopqrstuvwxyz'
  let n = BigInt(Date.now()) * 1000n * 1024n + BigInt(randomBytes(2).readUInt16BE() % 1024)
  let out = ''
  for (let i = 0; i < 13; i++) {
    out = alphabet[Number(n & 31n)] + out
    n >>= 5n
  }
  return out
}

/** The mock PDS: protected-resource metadata and the XRPC methods an OAuth client calls. */
export class PdsServer {
  readonly records: StoredRecord[] = []
  /** The repository's head, moved by every write. */
  readonly repo = new RepoHead()
  constructor(readonly deps: PdsDeps) {}

  /** Wraps an XRPC handler: maps XRPC and OAuth errors to the reference shapes, never a bare 500. */
  #xrpc(handler: (req: Request, auth: ResourceAuth | undefined, res: Response) => unknown, requireAuth: boolean) {
    return (req: Request, res: Response): void => {
      try {
        const auth = requireAuth ? authenticateResource(this.deps, req, res) : undefined
        const out = handler(req, auth, res)
        // A procedure without output (deactivateAccount, updateHandle): 200 and no body, as xrpc-server answers.
        if (out === undefined) return void res.status(200).setHeader('Access-Control-Allow-Origin', '*').end()
        sendXrpc(res, 200, out)
      } catch (err) {
        res.setHeader('Access-Control-Allow-Origin', '*')
        if (err instanceof ScopeMissingError) return sendScopeMissing(res, err, this.deps.faults.permissions)
        if (err instanceof OAuthError) return sendResourceOAuthError(res, err, this.deps.faults.dpopNonce?.challengeStyle)
        if (err instanceof XrpcError) return sendXrpc(res, err.status, { error: err.error, message: err.messageText })
        this.deps.onHarnessFault(err, req)
        sendXrpc(res, 500, { error: 'InternalServerError', message: 'Internal Server Error' })
      }
    }
  }

  #account(did: string): Account {
    const account = this.deps.accounts.find((a) => a.did === did)
    if (!account) throw new XrpcError(400, 'AccountNotFound', 'Account not found')
    return account
  }

  router(): Router {
    const r = Router()
    r.get('/.well-known/oauth-protected-resource', (req, res) => {
      const fault = this.deps.faults.protectedResource
      // reference §1: Express PDS route headers, `Access-Control-Allow-Method` (sic).
      res.setHeader('Access-Control-Allow-Origin', '*')
      if (fault?.redirectTo !== undefined) return void res.status(302).setHeader('Location', fault.redirectTo).end()
      res.setHeader('Access-Control-Allow-Method', '*')
      res.setHeader('Access-Control-Allow-Headers', '*')
      const doc = {
        resource: fault?.resource ?? this.deps.origin(),
        authorization_servers: fault?.authorization_servers ?? [this.deps.issuer()],
        scopes_supported: [],
        bearer_methods_supported: ['header'],
        resource_documentation: 'https://atproto.com',
      }
      sendMetadata(req, res, doc, fault?.response, 'application/json; charset=utf-8')
    })
    // reference §1: the PDS's Express 4 default OPTIONS answer; express 5 would send "GET, HEAD" (with a space).
    r.options('/.well-known/oauth-protected-resource', (_req, res) => {
      res.setHeader('Allow', 'GET,HEAD')
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.status(200).end('GET,HEAD')
    })
    r.options('/xrpc/:nsid', (req, res) => {
      res.status(204)
      res.setHeader('Access-Control-Allow-Origin', '*')
      res.setHeader('Access-Control-Allow-Methods', 'GET,HEAD,PUT,PATCH,POST,DELETE')
      const asked = req.headers['access-control-request-headers']
      if (asked) res.setHeader('Access-Control-Allow-Headers', asked)
      res.setHeader('Vary', 'Access-Control-Request-Headers')
      res.setHeader('Access-Control-Max-Age', '86400')
      res.end()
    })
    // Reference xrpc-server: an implemented method called with the other HTTP method, before anything else.
    r.all('/xrpc/:nsid', httpMethodGuard((res, err) => sendXrpc(res, err.status, { error: err.error, message: err.messageText })))
    const authed = (handler: (req: Request, auth: ResourceAuth) => unknown) =>
      this.#xrpc((req, auth) => handler(req, auth!), true)
    r.get(
      '/xrpc/com.atproto.server.getSession',
      authed((_req, auth) => {
        const account = this.#account(auth.session.sub)
        return { did: account.did, handle: account.handle, active: true }
      }),
    )
    r.post('/xrpc/com.atproto.repo.createRecord', authed((req, auth) => this.#createRecord(req, auth)))
    r.get(
      '/xrpc/com.atproto.repo.describeRepo',
      this.#xrpc((req) => {
        const repo = typeof req.query.repo === 'string' ? req.query.repo : ''
        const account = this.deps.accounts.find((a) => a.did === repo || a.handle === repo)
        if (!account) throw new XrpcError(400, 'InvalidRequest', `Could not find repo: ${repo}`)
        // reference §6 `rs-describe-repo-ok`: the body carries the DID document too.
        const didDoc = didDocument(account, {
          accounts: this.deps.accounts,
          pdsUrl: this.deps.origin,
          faults: () => this.deps.faults.identity,
        })
        return { handle: account.handle, did: account.did, didDoc, collections: [], handleIsCorrect: true }
      }, false),
    )
    r.get(
      '/xrpc/com.atproto.identity.resolveHandle',
      this.#xrpc((req) => {
        const handle = typeof req.query.handle === 'string' ? req.query.handle.toLowerCase() : ''
        const account = this.deps.accounts.find((a) => a.handle === handle)
        if (!account) throw new XrpcError(400, 'InvalidRequest', 'Unable to resolve handle')
        return { did: account.did }
      }, false),
    )
    registerGranularXrpc(r, {
      authed,
      xrpc: (handler, requireAuth) => this.#xrpc(handler, requireAuth),
      authenticate: (req, res) => authenticateResource(this.deps, req, res),
      assertOwnRepo: (repo, auth) => this.#assertOwnRepo(repo, auth),
      clock: this.deps.clock,
      authStore: this.deps.authStore,
      store: (uri, value) => {
        const existing = this.records.find((rec) => rec.uri === uri)
        // The same content again is no write (the reference answers such a putRecord without a commit).
        if (existing && JSON.stringify(existing.value) === JSON.stringify(value)) return { uri, cid: existing.cid, changed: false }
        const record = { uri, cid: `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`, value }
        if (existing) this.records.splice(this.records.indexOf(existing), 1, record)
        else this.records.push(record)
        return { uri: record.uri, cid: record.cid, changed: true }
      },
      remove: (uri) => {
        const i = this.records.findIndex((rec) => rec.uri === uri)
        if (i >= 0) this.records.splice(i, 1)
        return i >= 0
      },
      commit: () => this.repo.commit(),
    })
    registerRepoReads(r, {
      authed,
      xrpc: (handler, requireAuth) => this.#xrpc(handler, requireAuth),
      optionalAuth: (req, res) => this.#optionalAuth(req, res),
      refreshAuth: (req, res) => this.#refreshAuth(req, res),
      accounts: this.deps.accounts,
      serviceDid: this.deps.serviceDid,
      records: this.records,
      repo: this.repo,
    })
    // The catch-all proxy (reference `proxyHandler`): with no app view and no `atproto-proxy` header, no
    // service takes the call. A method the reference serves itself but the mock does not stays a 501.
    r.all(
      '/xrpc/:nsid',
      this.#xrpc((req) => {
        const nsid = String(req.params.nsid)
        assertProxyable(req.method)
        if (REFERENCE_METHODS.has(nsid)) throw new XrpcError(501, 'MethodNotImplemented', 'Method Not Implemented')
        throw noServiceConfigured(nsid)
      }, false),
    )
    return r
  }

  /**
   * Reference `authorizationOrAdminTokenOptional()`: an OAuth (or Bearer) header is checked as usual, no
   * header is an anonymous call (still answered private), Basic is the admin password the mock has none of.
   */
  #optionalAuth(req: Request, res: Response): ResourceAuth | undefined {
    const parsed = parseAuthorization(req.headers.authorization)
    if (parsed?.scheme === 'bearer' || parsed?.scheme === 'dpop') return authenticateResource(this.deps, req, res)
    setAuthHeaders(res)
    if (parsed?.scheme === 'basic') throw new XrpcError(401, 'AuthenticationRequired', 'Authentication Required')
    return undefined
  }

  /**
   * Reference `refresh()` (refreshSession, deleteSession): only a legacy Bearer refresh JWT is taken. The
   * mock issues none, so an OAuth session (DPoP) counts as no credentials and any Bearer token fails.
   */
  #refreshAuth(req: Request, res: Response): never {
    setAuthHeaders(res)
    const parsed = parseAuthorization(req.headers.authorization)
    if (parsed?.scheme !== 'bearer') throw new XrpcError(401, 'AuthMissing', 'Authentication Required')
    throw new XrpcError(400, 'InvalidToken', 'Token could not be verified')
  }

  #assertOwnRepo(repo: unknown, auth: ResourceAuth): void {
    if (repo !== auth.session.sub && repo !== this.#account(auth.session.sub).handle) {
      throw new XrpcError(400, 'InvalidRequest', 'Input/repo must be the DID or handle of the authenticated account')
    }
  }

  #createRecord(req: Request, auth: ResourceAuth): unknown {
    let body: unknown
    try {
      body = JSON.parse((req as BodyRequest).rawBody?.toString('utf8') || 'null')
    } catch {
      throw new XrpcError(400, 'InvalidRequest', 'Request body is not valid JSON')
    }
    const input = body as { repo?: unknown; collection?: unknown; record?: unknown; rkey?: unknown } | null
    if (!input || typeof input.collection !== 'string' || typeof input.record !== 'object' || input.record === null) {
      throw new XrpcError(400, 'InvalidRequest', 'Input must have the properties "repo", "collection" and "record"')
    }
    this.#assertOwnRepo(input.repo, auth)
    // Reference: checked in the handler, once the collection is known (RES-05, SCOPE-08).
    permissionsOf(auth.session).assertRepo({ action: 'create', collection: input.collection })
    const rkey = typeof input.rkey === 'string' ? input.rkey : randomBytes(7).toString('hex')
    const record = {
      uri: `at://${auth.session.sub}/${input.collection}/${rkey}`,
      cid: `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`,
      value: input.record,
    }
    this.records.push(record)
    return { uri: record.uri, cid: record.cid, commit: this.repo.commit(), validationStatus: 'unknown' }
  }
}
