import { randomBytes } from 'node:crypto'
import {
  CompositeDidDocumentResolver,
  LocalActorResolver,
  PlcDidDocumentResolver,
  WebDidDocumentResolver,
  XrpcHandleResolver,
} from '@atcute/identity-resolver'
import type { ActorIdentifier, Did } from '@atcute/lexicons'
import {
  generateClientAssertionKey,
  OAuthClient,
  type ClientAssertionPrivateJwk,
  type OAuthSession,
  type Store,
  type StoredSession,
  type StoredState,
} from '@atcute/oauth-node-client'
import { ClientRejected, type Capabilities, type Driver, type DriverContext, type ResourceCall, type SessionInfo } from '../../../harness/drivers/types.ts'

const SCOPE = 'atproto transition:generic'

/** A plain in-memory store: the library's MemoryStore works too, but purges on timers the adapter does not need. */
class MapStore<K, V> implements Store<K, V> {
  readonly map = new Map<K, V>()
  get(key: K) {
    return this.map.get(key)
  }
  set(key: K, value: V) {
    this.map.set(key, value)
  }
  delete(key: K) {
    this.map.delete(key)
  }
  clear() {
    this.map.clear()
  }
}

/** The library's error as the app sees it: its OAuth `error` or class name, and its message (with the cause). */
function rejected(err: unknown): ClientRejected {
  const e = err as Error & { error?: unknown; cause?: Error }
  const code = typeof e?.error === 'string' ? e.error : (e?.name && e.name !== 'Error' ? e.name : e?.constructor?.name ?? 'Error')
  const message = e?.cause?.message && !e.message.includes(e.cause.message) ? `${e.message} (${e.cause.message})` : e?.message
  return new ClientRejected(code, message ?? String(err))
}

/**
 * Wraps `@atcute/oauth-node-client` (an independent atproto OAuth client library) as an in-process driver.
 * The library has no development mode: it refuses http issuers and PDSs, so the driver declares `httpsOnly`
 * and the harness gives it Worlds under https host names.
 */
export function atcuteNodeClient(): Driver {
  const sessions = new MapStore<Did, StoredSession>()
  const states = new MapStore<string, StoredState>()
  let ctx: DriverContext
  let client: OAuthClient
  let session: OAuthSession | undefined

  async function build(): Promise<OAuthClient> {
    const actorResolver = new LocalActorResolver({
      handleResolver: new XrpcHandleResolver({ serviceUrl: ctx.handleResolver }),
      didDocumentResolver: new CompositeDidDocumentResolver({
        methods: { plc: new PlcDidDocumentResolver({ apiUrl: ctx.plcDirectoryUrl }), web: new WebDidDocumentResolver() },
      }),
    })
    const stores = { sessions, states }
    if (ctx.clientKind !== 'confidential') {
      return new OAuthClient({ metadata: { redirect_uris: [ctx.redirectUri as `http://127.0.0.1:${string}`], scope: SCOPE }, actorResolver, stores })
    }
    const key = await confidentialKey()
    const clientId = `${ctx.clientOrigin}/oauth-client-metadata.json`
    const jwksUri = ctx.publishKeysBy === 'jwks_uri' ? `${ctx.clientOrigin}/jwks.json` : undefined
    const oauth = new OAuthClient({
      metadata: {
        client_id: clientId as `https://${string}`,
        redirect_uris: [`${ctx.clientOrigin}/callback` as `https://${string}`],
        scope: SCOPE,
        client_name: 'atproto-oauth-conformance atcute confidential example',
        ...(jwksUri ? { jwks_uri: jwksUri as `https://${string}` } : {}),
      },
      keyset: [key],
      actorResolver,
      stores,
    })
    ctx.hostDocument('/oauth-client-metadata.json', oauth.metadata)
    if (jwksUri) ctx.hostDocument('/jwks.json', oauth.jwks)
    return oauth
  }

  const info = async (s: OAuthSession): Promise<SessionInfo> => {
    const token = await s.getTokenInfo(false)
    return { sub: s.did, scope: token.scope }
  }

  const attempt = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw err instanceof ClientRejected ? err : rejected(err)
    }
  }

  /** A login input as the library's `authorize` takes it: a PDS/entryway URL, else a handle or DID. */
  const target = (input: string) =>
    /^https?:\/\//.test(input) ? ({ type: 'pds', serviceUrl: input } as const) : ({ type: 'account', identifier: input as ActorIdentifier } as const)

  return {
    async init(context): Promise<Capabilities> {
      ctx = context
      client = await build()
      return { confidential: true, refresh: true, restore: true, signOut: true, httpsOnly: true }
    },
    authorize: (input, options) =>
      attempt(async () => {
        const { url } = await client.authorize({
          target: target(input),
          state: randomBytes(8).toString('hex'),
          // A scope the app asks for at this login (a scope upgrade, a newly declared scope), else the metadata's.
          ...(options?.scope ? { scope: options.scope } : {}),
        })
        return { authorizationUrl: url.href }
      }),
    callback: (params) =>
      attempt(async () => {
        const result = await client.callback(new URLSearchParams(params))
        session = result.session
        return info(session)
      }),
    call: (req: ResourceCall) =>
      attempt(async () => {
        if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
        const res = await session.handle(req.path, {
          method: req.method,
          headers: req.body === undefined ? undefined : { 'content-type': 'application/json' },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
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
        session = await client.restore(sub as Did)
        return info(session)
      }),
    signOut: () =>
      attempt(async () => {
        if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
        await session.signOut()
        session = undefined
      }),
    async dispose() {
      session = undefined
    },
  }
}

let sharedKey: Promise<ClientAssertionPrivateJwk> | undefined
/** One ES256 client key per process: generating keys per scenario would dominate the run time. */
function confidentialKey(): Promise<ClientAssertionPrivateJwk> {
  sharedKey ??= generateClientAssertionKey('conformance-key-1', 'ES256')
  return sharedKey
}

/** `--client atcute`: `@atcute/oauth-node-client` through its adapter (https only: the harness runs it under --https). */
export default function createAtcuteNodeClient(options: Record<string, string> = {}): Driver {
  const unknown = Object.keys(options)
  if (unknown.length > 0) throw new Error(`the atcute client adapter takes no options (got ${unknown.join(', ')})`)
  return atcuteNodeClient()
}
