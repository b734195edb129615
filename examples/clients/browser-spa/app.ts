/**
 * The bundled browser example: a single-page app on `@atproto/oauth-client-browser` (a loopback client at
 * `http://127.0.0.1:<port>/`), driven by the harness's browser driver through the test hook
 * `window.atprotoConformance` (harness/drivers/browser.ts). The app does what a real SPA does: builds its client
 * on every page load and calls `client.init()`, which finishes a login when the page is the landing of an
 * authorization redirect and restores the last session otherwise. State shows on the page, for the screenshots.
 *
 * Deliberate flaws (`?flaw=a,b` on the first page load, kept in sessionStorage across the redirect):
 * - `skip-iss-check`: the callback replaces an `iss` that differs from the issuer the login started at by that
 *   issuer before handing the parameters to the library (an app "helping" a callback it thinks is mangled);
 * - `skip-state-check`: the callback replaces a `state` the library never issued by the one it sent last in PAR
 *   (an app "recovering" a login whose state it thinks got lost).
 * Each turns the library's check off from the outside: callback-iss-mismatch and callback-state-tampered FAIL.
 */
import {
  BrowserOAuthClient,
  buildAtprotoLoopbackClientMetadata,
  type OAuthSession,
} from '@atproto/oauth-client-browser'
import type { Capabilities, ResourceCall, ResourceResult, SessionInfo } from '../../../harness/drivers/types.ts'
import type { ConformanceHook, PageContext } from '../../../harness/drivers/browser.ts'
import { FLAWS, unknownFlaws, type Flaw } from './flaws.ts'

const SCOPE = 'atproto transition:generic'
const KEY = { ctx: 'conformance:ctx', flaw: 'conformance:flaw', issuer: 'conformance:issuer', state: 'conformance:par-state', log: 'conformance:log' }

// Captured first: the library strips the authorization response from the address bar once it has read it.
const landingUrl = location.href
const query = new URLSearchParams(location.search)
if (query.has('flaw')) sessionStorage.setItem(KEY.flaw, query.get('flaw')!)
const flawNames = (sessionStorage.getItem(KEY.flaw) ?? '').split(',').filter(Boolean)
const badFlaws = unknownFlaws(sessionStorage.getItem(KEY.flaw))
const flaws = new Set(flawNames as Flaw[])

// ------------------------------------------------------------------ what the page shows

// The story so far, across the page loads of this tab (the redirect, reloads).
const log = JSON.parse(sessionStorage.getItem(KEY.log) ?? '[]') as { op: string; ok: boolean; text: string }[]
let shownSession: SessionInfo | undefined

function render(): void {
  const el = (id: string) => document.getElementById(id)!
  el('flaws').textContent = flawNames.length ? flawNames.join(', ') : 'none'
  el('session').textContent = shownSession ? `${shownSession.sub}${shownSession.scope ? ` (scope ${shownSession.scope})` : ''}` : 'signed out'
  el('session').className = shownSession ? 'ok' : 'muted'
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

/** An error the driver turns into ClientRejected: the OAuth `error` of a callback, else the library's error class. */
function refusal(err: unknown): Error & { code: string } {
  const e = err as Error & { code?: unknown; params?: URLSearchParams; cause?: Error }
  const code = (e?.params instanceof URLSearchParams ? e.params.get('error') : null) ?? (typeof e?.code === 'string' ? e.code : (e?.constructor?.name ?? 'Error'))
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

/** The deliberately flawed fetch: remembers the `state` of the last PAR request, for `skip-state-check`. */
async function spyingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init)
  if (request.method === 'POST') {
    const sent = new URLSearchParams(await request.clone().text())
    if (sent.has('code_challenge') && sent.has('state')) sessionStorage.setItem(KEY.state, sent.get('state')!)
  }
  return fetch(request)
}

/** The scope declared and requested: the scenario's granular scope (docs/permissions.md), else the default. */
let scope = SCOPE

function buildClient(ctx: PageContext): BrowserOAuthClient {
  scope = ctx.scope ?? SCOPE
  const redirectUri = `${location.origin}${location.pathname}` as `http://127.0.0.1:${number}/`
  return new BrowserOAuthClient({
    // A loopback client: client_id http://localhost?redirect_uri=…&scope=…, no metadata document to host.
    clientMetadata: buildAtprotoLoopbackClientMetadata({ scope, redirect_uris: [redirectUri] }),
    handleResolver: ctx.handleResolver,
    plcDirectoryUrl: ctx.plcDirectoryUrl,
    allowHttp: ctx.allowHttp,
    onSessionDeleted(sub, cause) {
      // The library also reports a session it never had (it clears the slot before storing a new login).
      if (session?.did !== sub) return
      session = undefined
      shownSession = undefined
      record('session deleted', false, `${sub}: ${String(cause)}`)
    },
    ...(flaws.has('skip-state-check') ? { fetch: spyingFetch } : {}),
  })
}

/** The authorization response in the address bar (fragment mode, the library's default), if any. */
function callbackParams(): URLSearchParams | undefined {
  const params = new URLSearchParams(location.hash.slice(1))
  return params.has('state') && (params.has('code') || params.has('error')) ? params : undefined
}

/** The flawed callback handling: rewrites what the library would refuse, then hands it over. */
function tamperWithCallback(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(params)
  const issuer = sessionStorage.getItem(KEY.issuer)
  if (flaws.has('skip-iss-check') && issuer && out.get('iss') !== issuer) out.set('iss', issuer)
  const state = sessionStorage.getItem(KEY.state)
  if (flaws.has('skip-state-check') && state && out.get('state') !== state) out.set('state', state)
  return out
}

let client: BrowserOAuthClient | undefined
let session: OAuthSession | undefined
let booted: Promise<void> | undefined
let landing: Promise<SessionInfo> | undefined

async function info(s: OAuthSession): Promise<SessionInfo> {
  const token = await s.getTokenInfo(false)
  return { sub: s.did, scope: token.scope }
}

/** Runs on every page load once the page knows its World: build the client, then `init()` (callback or restore). */
function boot(ctx: PageContext): Promise<void> {
  const c = (client = buildClient(ctx))
  const params = callbackParams()
  const started = (async () => {
    if (params && flaws.size > 0) {
      history.replaceState(null, '', location.pathname + location.search)
      return c.initCallback(tamperWithCallback(params))
    }
    return c.init()
  })()
  if (params) {
    landing = attempt('callback', async () => {
      const result = await started
      if (!result) throw new Error('the authorization response was not processed')
      session = result.session
      return (shownSession = await info(result.session))
    }, (s) => `signed in as ${s.sub}`)
    return landing.then(() => undefined, () => undefined)
  }
  return started.then(
    async (result) => {
      if (result) session = result.session
      if (session) {
        shownSession = await info(session)
        record('startup', true, `restored the last session of ${session.did}`)
      }
    },
    (err) => record('startup', false, refusal(err).message),
  )
}

function needSession(): OAuthSession {
  if (!session) throw Object.assign(new Error('no session: log in first'), { code: 'NoSession' })
  return session
}

async function ready(): Promise<BrowserOAuthClient> {
  if (!booted) throw Object.assign(new Error('init(ctx) was never called'), { code: 'NotInitialized' })
  await booted
  return client!
}

const hook: ConformanceHook = {
  landingUrl,
  async init(ctx): Promise<Capabilities> {
    if (badFlaws.length) {
      throw Object.assign(new Error(`unknown flaw ${badFlaws.join(', ')} (known: ${FLAWS.join(', ')})`), { code: 'UnknownFlaw' })
    }
    sessionStorage.setItem(KEY.ctx, JSON.stringify(ctx))
    document.getElementById('scenario')!.textContent = ctx.scenarioId
    booted = boot(ctx)
    await booted
    return { confidential: false, refresh: true, restore: true, signOut: true, granularScopes: true }
  },
  authorize: (input) =>
    attempt('authorize', async () => {
      const url = await (await ready()).authorize(input, { scope })
      sessionStorage.setItem(KEY.issuer, url.origin)
      return { authorizationUrl: url.href }
    }, (r) => `opening ${new URL(r.authorizationUrl).origin}`),
  async landed() {
    await ready()
    if (!landing) throw Object.assign(new Error('this page load carried no authorization response'), { code: 'NoCallback' })
    return landing
  },
  call: (req: ResourceCall) =>
    attempt('call', async (): Promise<ResourceResult> => {
      await ready()
      const headers: Record<string, string> = {}
      if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json'
      if (req.proxy) headers['atproto-proxy'] = req.proxy
      const res = await needSession().fetchHandler(req.path, {
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
      await ready()
      const s = needSession()
      const token = await s.getTokenInfo(true)
      return (shownSession = { sub: s.did, scope: token.scope })
    }, (s) => `refreshed the tokens of ${s.sub}`),
  restore: (sub) =>
    attempt('restore', async () => {
      session = await (await ready()).restore(sub)
      return (shownSession = await info(session))
    }, (s) => `restored ${s.sub}`),
  signOut: () =>
    attempt('signOut', async () => {
      await ready()
      await needSession().signOut()
      session = undefined
      shownSession = undefined
    }, () => 'signed out'),
}

;(globalThis as unknown as { atprotoConformance: ConformanceHook }).atprotoConformance = hook
render()
// A page load after init(ctx) (the redirect landing, a reload for `restore`) boots from the stored context.
const stored = sessionStorage.getItem(KEY.ctx)
if (stored) {
  const ctx = JSON.parse(stored) as PageContext
  document.getElementById('scenario')!.textContent = ctx.scenarioId
  booted = boot(ctx)
}
