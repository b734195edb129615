/**
 * The minimal client as an in-process driver of the conformance harness. This is the only file that knows the
 * harness: it maps the World (DriverContext) to client options and client errors to ClientRejected.
 */
import {
  ClientRejected,
  type Capabilities,
  type Driver,
  type DriverContext,
  type ResourceCall,
  type ResourceResult,
  type SessionInfo,
} from '../../../harness/drivers/types.ts'
import type { AuthorizationResponse } from '../../../harness/user-agent.ts'
import { confidentialClient, loopbackClient, nativeClient } from './client-auth.ts'
import { createStores, MinimalOAuthClient, type ClientStores, type OAuthSession, type ResponseMode } from './client.ts'
import { NO_FLAWS, parseFlaws, type Flaws } from './flaws.ts'

/** Every error of the client is its refusal, with its code (OAuthClientError) or its class name (a crash). */
function rejected(err: unknown): ClientRejected {
  if (err instanceof ClientRejected) return err
  const e = err as Error & { code?: unknown }
  const code = typeof e?.code === 'string' ? e.code : (e?.constructor?.name ?? 'Error')
  return new ClientRejected(code, e?.message ?? String(err))
}

async function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw rejected(err)
  }
}

/** How the minimal client is set up beyond its flaws (`--client-option responseMode=fragment`). */
export interface MinimalClientSetup {
  /** The response mode it asks for when the AS offers it (STATE-11); `query` by default. */
  responseMode?: ResponseMode
}

/** Wraps the session store so every write fails once `failing()` says so (driver fault for REFRESH-12). */
function failingOnWrite(stores: ClientStores, failing: () => boolean): ClientStores {
  const { sessions } = stores
  return {
    ...stores,
    sessions: {
      get: (k) => sessions.get(k),
      has: (k) => sessions.has(k),
      delete: (k) => sessions.delete(k),
      set(k, v) {
        if (failing()) throw new Error('the session store refused the write (disk full)')
        sessions.set(k, v)
        return this as never
      },
    },
  }
}

export function minimalClient(flaws: Flaws = NO_FLAWS, setup: MinimalClientSetup = {}): Driver {
  // The stores outlive client instances: `restore` builds a new instance over them, as after a restart.
  let storeFails = false
  const stores = failingOnWrite(createStores(), () => storeFails)
  let ctx: DriverContext
  let client: MinimalOAuthClient
  let session: OAuthSession | undefined

  async function build(): Promise<MinimalOAuthClient> {
    const identity =
      ctx.clientKind === 'confidential'
        ? await confidentialClient(ctx.clientOrigin, ctx.publishKeysBy, flaws, ctx.scope)
        : ctx.clientKind === 'native'
          ? nativeClient(ctx.clientOrigin, flaws)
          : loopbackClient(ctx.redirectUri, flaws, ctx.scope)
    for (const [path, doc] of Object.entries(identity.documents)) ctx.hostDocument(path, doc)
    return new MinimalOAuthClient({
      handleResolver: ctx.handleResolver,
      plcDirectoryUrl: ctx.plcDirectoryUrl,
      allowHttp: ctx.allowHttp,
      client: identity,
      stores,
      flaws,
      // The harness's clock for the client (DPOP-10, REFRESH-09, DISC-12, STATE-09 move it).
      time: ctx.clock,
      responseMode: setup.responseMode,
    })
  }

  const current = (): OAuthSession => {
    if (!session) throw new ClientRejected('NoSession', 'no session: log in first')
    return session
  }

  return {
    async init(context): Promise<Capabilities> {
      ctx = context
      client = await build()
      return { confidential: true, native: true, refresh: true, restore: true, signOut: true, granularScopes: true, clientClock: true, storeFaults: true }
    },
    authorize: (input, options) => attempt(async () => ({ authorizationUrl: (await client.authorize(input, options)).href })),
    callback: (params, response?: AuthorizationResponse) =>
      attempt(async () => {
        // STATE-08: the client reads the redirect itself, from where its response mode puts the parameters.
        const own = response ? MinimalOAuthClient.readResponse({ url: response.url, mode: response.mode, form: response.params }, flaws) : params
        session = await client.callback(own)
        return session.info()
      }),
    call: (req: ResourceCall) =>
      attempt(async (): Promise<ResourceResult> => {
        const res = await current().request(req)
        return { status: res.status, body: res.json ?? res.text }
      }),
    refresh: (): Promise<SessionInfo> => attempt(() => current().refresh()),
    restore: (sub) =>
      attempt(async () => {
        client = await build()
        session = await client.restore(sub)
        return session.info()
      }),
    signOut: () => attempt(() => current().signOut()),
    async failStoreWrites() {
      storeFails = true
    },
    async dispose() {
      session = undefined
    },
  }
}

/**
 * `--client minimal` (or `--client examples/clients/minimal/adapter.ts`): one driver per scenario.
 * `--client-option flaw=a,b` switches on deliberate flaws (README.md); an unknown name is an error listing the
 * known ones. `--client-option responseMode=query|fragment|form_post` picks the response mode it asks for.
 */
export default function createMinimalClient(options: Record<string, string> = {}): ReturnType<typeof minimalClient> {
  const mode = options.responseMode
  if (mode !== undefined && !RESPONSE_MODES.includes(mode as ResponseMode)) {
    throw new Error(`unknown responseMode "${mode}" for the minimal client (known: ${RESPONSE_MODES.join(', ')})`)
  }
  return minimalClient(parseFlaws(options.flaw), { responseMode: mode as ResponseMode | undefined })
}

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post']
