import { randomBytes } from 'node:crypto'
import { JoseKey } from '@atproto/jwk-jose'
import { NodeOAuthClient, type NodeSavedSession, type NodeSavedState } from '@atproto/oauth-client-node'
import type { OAuthSession } from '@atproto/oauth-client'
import {
  ClientRejected,
  type Capabilities,
  type Driver,
  type DriverContext,
  type ResourceCall,
  type SessionInfo,
} from '../../../harness/drivers/types.ts'

/** How the adapter presents the official client to the World. */
export interface OfficialClientOptions {
  /**
   * A deliberate flaw for the harness's own self-test. `mask-bad-iss` replaces an `iss` that does not match
   * the issuer the login started with by the expected one before handing the callback to the client, as an
   * app with a "helpful" callback handler would. (Merely stripping it is not enough: the official client
   * then rejects the callback for the missing `iss`, ISS-04.)
   */
  flaw?: 'mask-bad-iss'
}

const SCOPE = 'atproto transition:generic'

class MemoryStore<T> {
  readonly map = new Map<string, T>()
  /** Set by the driver's `failStoreWrites` (REFRESH-12): every write fails from then on. */
  failing = false
  async get(key: string) {
    return this.map.get(key)
  }
  async set(key: string, value: T) {
    if (this.failing) throw new Error('the session store refused the write (disk full)')
    this.map.set(key, value)
  }
  async del(key: string) {
    this.map.delete(key)
  }
}

function rejected(err: unknown): ClientRejected {
  const e = err as Error & { code?: unknown; params?: URLSearchParams }
  // OAuthCallbackError carries the authorization response: its OAuth `error` is what an app shows the user.
  const oauthError = e?.params instanceof URLSearchParams ? e.params.get('error') : null
  const code = oauthError ?? (typeof e?.code === 'string' ? e.code : (e?.constructor?.name ?? 'Error'))
  const cause = (e as { cause?: Error })?.cause
  const message = cause?.message && !e.message.includes(cause.message) ? `${e.message} (${cause.message})` : e?.message
  return new ClientRejected(code, message ?? String(err))
}

/** Wraps `@atproto/oauth-client-node` (the reference client) as an in-process driver. */
export function officialNodeClient(options: OfficialClientOptions = {}): Driver {
  const sessions = new MemoryStore<NodeSavedSession>()
  const states = new MemoryStore<NodeSavedState>()
  let ctx: DriverContext
  let client: NodeOAuthClient
  let session: OAuthSession | undefined
  let issuer: string | undefined

  /** The scope declared and requested: the scenario's granular scope, else the transitional default. */
  const scope = () => ctx.scope ?? SCOPE

  async function build(): Promise<NodeOAuthClient> {
    const common = {
      handleResolver: ctx.handleResolver,
      plcDirectoryUrl: ctx.plcDirectoryUrl,
      allowHttp: ctx.allowHttp,
      stateStore: states,
      sessionStore: sessions,
      requestLock: async <T>(_name: string, fn: () => T | PromiseLike<T>) => fn(),
    }
    if (ctx.clientKind === 'native') {
      // A native app: a discoverable client_id, application_type native and the custom-scheme redirect named
      // after the reversed client host (LOOP-05).
      const clientId = `${ctx.clientOrigin}/oauth-client-metadata.json`
      const scheme = new URL(ctx.clientOrigin).hostname.split('.').reverse().join('.')
      const metadata = {
        client_id: clientId,
        client_name: 'atproto-oauth-conformance native example',
        redirect_uris: [`${scheme}:/callback`],
        scope: SCOPE,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        dpop_bound_access_tokens: true,
      }
      ctx.hostDocument('/oauth-client-metadata.json', metadata)
      return new NodeOAuthClient({ ...common, clientMetadata: metadata as never })
    }
    if (ctx.clientKind !== 'confidential') {
      const query = new URLSearchParams({ scope: scope(), redirect_uri: ctx.redirectUri })
      return new NodeOAuthClient({
        ...common,
        clientMetadata: {
          client_id: `http://localhost?${query}`,
          redirect_uris: [ctx.redirectUri as `http://127.0.0.1:${string}`],
          scope: scope(),
          token_endpoint_auth_method: 'none',
          application_type: 'native',
          dpop_bound_access_tokens: true,
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      })
    }
    const key = await confidentialKey()
    // META-17: the conventional location.
    const clientId = `${ctx.clientOrigin}/oauth-client-metadata.json`
    const metadata = {
      client_id: clientId,
      client_name: 'atproto-oauth-conformance confidential example',
      redirect_uris: [`${ctx.clientOrigin}/callback`] as [`https://${string}`],
      scope: scope(),
      grant_types: ['authorization_code', 'refresh_token'] as ['authorization_code', 'refresh_token'],
      response_types: ['code'] as ['code'],
      application_type: 'web' as const,
      token_endpoint_auth_method: 'private_key_jwt' as const,
      token_endpoint_auth_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      jwks: { keys: [key.publicJwk] },
    }
    ctx.hostDocument('/oauth-client-metadata.json', metadata)
    return new NodeOAuthClient({ ...common, clientMetadata: metadata as never, keyset: [key] })
  }

  const info = async (s: OAuthSession): Promise<SessionInfo> => {
    const token = await s.getTokenInfo(false)
    return { sub: s.did, scope: token.scope }
  }

  const attempt = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw rejected(err)
    }
  }

  return {
    async init(context): Promise<Capabilities> {
      ctx = context
      client = await build()
      // No clientClock: the library reads Date.now() itself, so scenarios that move the client's clock SKIP.
      return { confidential: true, native: true, refresh: true, restore: true, signOut: true, granularScopes: true, storeFaults: true }
    },
    authorize: (input, opts) =>
      attempt(async () => {
        const url = await client.authorize(input, { scope: opts?.scope ?? scope(), state: randomBytes(8).toString('hex') })
        issuer = url.origin
        return { authorizationUrl: url.href }
      }),
    callback: (params) =>
      attempt(async () => {
        const p = new URLSearchParams(params)
        if (options.flaw === 'mask-bad-iss' && issuer && p.get('iss') !== issuer) p.set('iss', issuer)
        const result = await client.callback(p)
        session = result.session
        return info(session)
      }),
    call: (req: ResourceCall) =>
      attempt(async () => {
        if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
        const headers: Record<string, string> = {}
        if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json'
        // A proxied call: the app names the service as the grant does (RES-07).
        if (req.proxy) headers['atproto-proxy'] = req.proxy
        const res = await session.fetchHandler(req.path, {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : req.contentType ? String(req.body) : JSON.stringify(req.body),
        })
        const text = await res.text()
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // not JSON: keep the text
        }
        return { status: res.status, body }
      }),
    refresh: () =>
      attempt(async () => {
        if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
        const token = await session.getTokenInfo(true)
        return { sub: session.did, scope: token.scope }
      }),
    restore: (sub) =>
      attempt(async () => {
        // A fresh client instance over the same stores, as after a process restart.
        client = await build()
        session = await client.restore(sub)
        return info(session)
      }),
    signOut: () =>
      attempt(async () => {
        if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
        await session.signOut()
        session = undefined
      }),
    async failStoreWrites() {
      sessions.failing = true
    },
    async dispose() {
      session = undefined
    },
  }
}

let sharedKey: Promise<JoseKey> | undefined
/** One ES256 client key per process: generating keys per scenario would dominate the run time. */
function confidentialKey(): Promise<JoseKey> {
  sharedKey ??= JoseKey.generate(['ES256'], 'conformance-key-1')
  return sharedKey
}

/** `--client official`: options `flaw=mask-bad-iss` switches on the adapter's deliberate flaw. */
export default function createOfficialClient(options: Record<string, string> = {}): Driver {
  const flaw = options.flaw
  if (flaw !== undefined && flaw !== 'mask-bad-iss') {
    throw new Error(`unknown flaw "${flaw}" for the official client adapter (known: mask-bad-iss)`)
  }
  return officialNodeClient({ flaw })
}
