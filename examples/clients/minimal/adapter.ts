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
import { confidentialClient, loopbackClient } from './client-auth.ts'
import { createStores, MinimalOAuthClient, type OAuthSession } from './client.ts'
import { NO_FLAWS, type Flaws } from './flaws.ts'

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

export function minimalClient(flaws: Flaws = NO_FLAWS): Driver {
  // The stores outlive client instances: `restore` builds a new instance over them, as after a restart.
  const stores = createStores()
  let ctx: DriverContext
  let client: MinimalOAuthClient
  let session: OAuthSession | undefined

  async function build(): Promise<MinimalOAuthClient> {
    const identity =
      ctx.clientKind === 'confidential'
        ? await confidentialClient(ctx.clientOrigin, ctx.publishKeysBy, flaws, ctx.scope)
        : loopbackClient(ctx.redirectUri, flaws, ctx.scope)
    for (const [path, doc] of Object.entries(identity.documents)) ctx.hostDocument(path, doc)
    return new MinimalOAuthClient({
      handleResolver: ctx.handleResolver,
      plcDirectoryUrl: ctx.plcDirectoryUrl,
      allowHttp: ctx.allowHttp,
      client: identity,
      stores,
      flaws,
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
      return { confidential: true, refresh: true, restore: true, signOut: true, granularScopes: true }
    },
    authorize: (input) => attempt(async () => ({ authorizationUrl: (await client.authorize(input)).href })),
    callback: (params) =>
      attempt(async () => {
        session = await client.callback(params)
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
    async dispose() {
      session = undefined
    },
  }
}
