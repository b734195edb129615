/**
 * A single-page app on `@atcute/oauth-browser-client` 3.0.1 (an independent atproto OAuth browser library), a
 * loopback client at `http://127.0.0.1:<port>/`, driven by the harness's browser driver through the test hook
 * `window.atprotoConformance` (harness/drivers/browser.ts). It uses the library as its README shows: one
 * `configureOAuth` per page load, `createAuthorizationUrl`, `finalizeAuthorization` on the redirect landing (the
 * response in the fragment, scrubbed from the address bar first), `OAuthUserAgent` for PDS calls, and
 * `getSession(did, { allowStale: true })` to resume after a reload. The library keeps sessions, DPoP keys, nonces
 * and pending logins in localStorage; the app only tracks which DID is signed in, as the README asks.
 */
import {
  CompositeDidDocumentResolver,
  LocalActorResolver,
  PlcDidDocumentResolver,
  WebDidDocumentResolver,
  XrpcHandleResolver,
} from '@atcute/identity-resolver'
import type { ActorIdentifier, Did } from '@atcute/lexicons'
import {
  configureOAuth,
  createAuthorizationUrl,
  finalizeAuthorization,
  getSession,
  OAuthUserAgent,
  type Session,
} from '@atcute/oauth-browser-client'
import type { ConformanceHook, PageContext } from '../../../harness/drivers/browser.ts'
import type { Capabilities, ResourceCall, ResourceResult, SessionInfo } from '../../../harness/drivers/types.ts'

const SCOPE = 'atproto transition:generic'
const KEY = { ctx: 'conformance:ctx', log: 'conformance:log' }

// Captured first: the app scrubs the authorization response from the address bar before finishing the login.
const landingUrl = location.href

// ------------------------------------------------------------------ what the page shows

const log = JSON.parse(sessionStorage.getItem(KEY.log) ?? '[]') as { op: string; ok: boolean; text: string }[]
let shown: SessionInfo | undefined

function render(): void {
  const el = (id: string) => document.getElementById(id)!
  el('session').textContent = shown ? `${shown.sub}${shown.scope ? ` (scope ${shown.scope})` : ''}` : 'signed out'
  el('session').className = shown ? 'ok' : 'muted'
  el('log').replaceChildren(
    ...log.map(({ op, ok, text }) => {
      const li = document.createElement('li')
      li.className = ok ? 'ok' : 'err'
      li.textContent = `${op}: ${text}`
      return li
    }),
  )
}

function record(op: string, ok: boolean, text: string): void {
  log.push({ op, ok, text })
  sessionStorage.setItem(KEY.log, JSON.stringify(log))
  render()
}

/**
 * An error the driver turns into ClientRejected: the OAuth `error` of an AS answer (OAuthResponseError), else the
 * library's error class (LoginError, AuthorizationError, TokenRefreshError…), with the cause in the message.
 */
function refusal(err: unknown): Error & { code: string } {
  const e = err as Error & { error?: unknown; cause?: Error }
  const code = typeof e?.error === 'string' ? e.error : e?.name && e.name !== 'Error' ? e.name : (e?.constructor?.name ?? 'Error')
  const cause = e?.cause?.message
  const message = cause && !String(e?.message).includes(cause) ? `${e.message} (${cause})` : String(e?.message ?? err)
  return Object.assign(new Error(message), { code })
}

async function attempt<T>(op: string, fn: () => Promise<T>, describe: (v: T) => string): Promise<T> {
  try {
    const value = await fn()
    record(op, true, describe(value))
    return value
  } catch (err) {
    const refused = refusal(err)
    record(op, false, `${refused.code}: ${refused.message}`)
    throw refused
  }
}

// ------------------------------------------------------------------ the client

/** The scope declared in the client_id and requested: the scenario's granular scope (docs/permissions.md), else the default. */
let scope = SCOPE
let agent: OAuthUserAgent | undefined
let configured = false
let landing: Promise<SessionInfo> | undefined

/** The library's global configuration, on every page load: a loopback client_id carrying the redirect URI and scope. */
function configure(ctx: PageContext): void {
  scope = ctx.scope ?? SCOPE
  const redirectUri = `${location.origin}${location.pathname}`
  configureOAuth({
    metadata: {
      client_id: `http://localhost?redirect_uri=${encodeURIComponent(redirectUri)}&scope=${encodeURIComponent(scope)}`,
      redirect_uri: redirectUri,
    },
    identityResolver: new LocalActorResolver({
      handleResolver: new XrpcHandleResolver({ serviceUrl: ctx.handleResolver as `http://${string}` }),
      didDocumentResolver: new CompositeDidDocumentResolver({
        methods: { plc: new PlcDidDocumentResolver({ apiUrl: ctx.plcDirectoryUrl }), web: new WebDidDocumentResolver() },
      }),
    }),
  })
  configured = true
}

const info = (s: Session): SessionInfo => ({ sub: s.info.sub, scope: s.token.scope })

/** The authorization response in the fragment (the library asks for `response_mode=fragment`), if any. */
function callbackParams(): URLSearchParams | undefined {
  const params = new URLSearchParams(location.hash.slice(1))
  return params.has('state') && (params.has('code') || params.has('error')) ? params : undefined
}

/** On every page load that knows its World: configure, and finish a login if the page is a redirect landing. */
function boot(ctx: PageContext): void {
  configure(ctx)
  const params = callbackParams()
  if (!params) return
  // The README's order: scrub the response from the address bar (no replay on reload), then finalize.
  history.replaceState(null, '', location.pathname + location.search)
  landing = attempt('callback', async () => {
    const { session } = await finalizeAuthorization(params)
    agent = new OAuthUserAgent(session)
    return (shown = info(session))
  }, (s) => `signed in as ${s.sub}`)
  landing.catch(() => undefined)
}

function ready(): void {
  if (!configured) throw Object.assign(new Error('init(ctx) was never called'), { code: 'NotInitialized' })
}

function needAgent(): OAuthUserAgent {
  if (!agent) throw Object.assign(new Error('no session: log in first'), { code: 'NoSession' })
  return agent
}

/** A login input as `createAuthorizationUrl` takes it: a PDS/entryway URL, else a handle or DID. */
const target = (input: string) =>
  /^https?:\/\//.test(input) ? ({ type: 'pds', serviceUrl: input } as const) : ({ type: 'account', identifier: input as ActorIdentifier } as const)

const hook: ConformanceHook = {
  landingUrl,
  async init(ctx): Promise<Capabilities> {
    sessionStorage.setItem(KEY.ctx, JSON.stringify(ctx))
    document.getElementById('scenario')!.textContent = ctx.scenarioId
    boot(ctx)
    return { confidential: false, refresh: true, restore: true, signOut: true, granularScopes: true }
  },
  authorize: (input) =>
    attempt('authorize', async () => {
      ready()
      const url = await createAuthorizationUrl({ target: target(input), scope })
      return { authorizationUrl: url.href }
    }, (r) => `opening ${new URL(r.authorizationUrl).origin}`),
  async landed() {
    ready()
    if (!landing) throw Object.assign(new Error('this page load carried no authorization response'), { code: 'NoCallback' })
    return landing
  },
  call: (req: ResourceCall) =>
    attempt('call', async (): Promise<ResourceResult> => {
      ready()
      const headers: Record<string, string> = {}
      if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json'
      if (req.proxy) headers['atproto-proxy'] = req.proxy
      const res = await needAgent().handle(req.path, {
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
    }, (r) => `${req.method} ${req.path.split('?')[0]} → ${r.status}`),
  refresh: () =>
    attempt('refresh', async () => {
      ready()
      return (shown = info(await needAgent().getSession({ noCache: true })))
    }, (s) => `refreshed the tokens of ${s.sub}`),
  restore: (sub) =>
    attempt('restore', async () => {
      ready()
      // The README's resume: the stored session as it is; the agent refreshes when the PDS says the token expired.
      const session = await getSession(sub as Did, { allowStale: true })
      agent = new OAuthUserAgent(session)
      return (shown = info(session))
    }, (s) => `restored ${s.sub}`),
  signOut: () =>
    attempt('signOut', async () => {
      ready()
      await needAgent().signOut()
      agent = undefined
      shown = undefined
    }, () => 'signed out'),
}

;(globalThis as unknown as { atprotoConformance: ConformanceHook }).atprotoConformance = hook
render()
// A page load after init(ctx) (the redirect landing, a reload for `restore`) boots from the stored context.
const stored = sessionStorage.getItem(KEY.ctx)
if (stored) {
  const ctx = JSON.parse(stored) as PageContext
  document.getElementById('scenario')!.textContent = ctx.scenarioId
  boot(ctx)
}
