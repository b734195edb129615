import type { Browser, BrowserContext, Route } from 'playwright-core'
import { HarnessError } from '../../protocol/errors.ts'
import type { Exchange } from '../../model/transcript.ts'
import { CHROMIUM_ARGS, CHROMIUM_PATH, browserUnavailable } from '../drivers/browser.ts'
import { ACTOR_HEADER } from '../http/record.ts'
import type { BffDeclaration } from './declaration.ts'
import type { Frontend } from './frontend.ts'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date'])

/**
 * Logs a frontend in through a real Chromium, the way `launchWebAuthFlow` or a web page would: the browser
 * navigates to the backend's login, follows it to the AS, signs in and consents on the AS's page, follows the
 * AS's redirect to the backend's callback and the backend's redirect to the frontend's redirect URI, which
 * ends the flow (Chrome intercepts `*.chromiumapp.org` the same way). The backend's public origin is routed to
 * its loopback `baseUrl` through the frontend, so every exchange is in the transcript; the browser's cookies
 * and the session value then pass to the headless frontend for the rest of the scenario.
 */
export class BrowserFrontendLogin {
  private constructor(private readonly browser: Browser) {}

  /** Launches Chromium, or says why it cannot (no Chromium, no playwright-core). */
  static async open(executablePath = CHROMIUM_PATH): Promise<BrowserFrontendLogin | string> {
    const missing = browserUnavailable(executablePath)
    if (missing) return missing
    let playwright: typeof import('playwright-core')
    try {
      playwright = await import('playwright-core')
    } catch {
      return 'playwright-core is not installed'
    }
    // The backend's public host and the frontend's redirect host exist only as routes: resolving them fails at
    // once instead of waiting for a resolver that loopback-only machines do not have (seconds per redirect).
    const args = [...CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost']
    return new BrowserFrontendLogin(await playwright.chromium.launch({ executablePath, args, headless: true }))
  }

  close(): Promise<void> {
    return this.browser.close()
  }

  /** Runs one login in a fresh browser context (its own cookie jar); returns the backend's callback exchange. */
  async login(
    fe: Frontend,
    o: { declaration: BffDeclaration; publicUrl: string; handle: string; password: string; extra: Record<string, string>; timeoutMs: number },
  ): Promise<Exchange> {
    const d = o.declaration
    const publicOrigin = new URL(o.publicUrl).origin
    const landing = new URL(d.frontend.redirectUri)
    const context: BrowserContext = await this.browser.newContext({ serviceWorkers: 'block' })
    // The browser's own loads at the AS (authorization and consent pages) are the user agent's.
    await context.setExtraHTTPHeaders({ [ACTOR_HEADER]: 'user-agent' })
    let callback: Exchange | undefined
    let landed: (url: string) => void = () => undefined
    const done = new Promise<string>((resolve) => (landed = resolve))
    const route = async (r: Route) => {
      const request = r.request()
      const url = new URL(request.url())
      if (url.origin === publicOrigin) {
        const headers = request.headers()
        const ex = await fe.send({
          method: request.method() as 'GET' | 'POST',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          form: request.method() === 'POST' ? new URLSearchParams(request.postData() ?? '') : undefined,
          origin: headers.origin ?? null,
          cookie: headers.cookie,
          headers: headers['user-agent'] ? { 'user-agent': headers['user-agent'] } : undefined,
          navigation: request.isNavigationRequest(),
        })
        if (url.pathname === d.endpoints.callback.path) callback = ex
        const out: Record<string, string> = {}
        // Hop-by-hop and length headers describe the backend's own connection, not this fulfilled response.
        for (const [k, v] of Object.entries(ex.response.headers)) {
          if (!HOP_BY_HOP.has(k)) out[k] = Array.isArray(v) ? v.join('\n') : v
        }
        // A redirect to the frontend ends the flow here, as launchWebAuthFlow ends it on the redirect itself
        // (letting Chromium follow a fulfilled redirect to an unresolvable host costs it seconds).
        const location = ex.response.status >= 300 && ex.response.status < 400 ? out.location : undefined
        const target = location ? new URL(location, o.publicUrl) : undefined
        // Anywhere but the AS or the backend ends the flow too (an open redirect): the checks judge where it went.
        if (target && (target.host === landing.host || (target.origin !== publicOrigin && !LOOPBACK_HOSTS.has(target.hostname)))) {
          landed(target.href)
          const { location: _, ...rest } = out
          return r.fulfill({ status: 200, headers: { ...rest, 'content-type': 'text/html' }, body: '<!doctype html><title>signed in</title>' })
        }
        return r.fulfill({ status: ex.response.status, headers: out, body: ex.response.body ?? '' })
      }
      if (url.host === landing.host) {
        landed(url.href)
        return r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>signed in</title>' })
      }
      if (!LOOPBACK_HOSTS.has(url.hostname)) return r.abort('blockedbyclient')
      if (url.pathname === '/favicon.ico') return r.fulfill({ status: 204 })
      return r.continue()
    }
    try {
      await context.route('**/*', route)
      const page = await context.newPage()
      const query = new URLSearchParams({ [d.endpoints.login.handleParam ?? 'handle']: o.handle, ...o.extra })
      await page.goto(`${o.publicUrl}${d.endpoints.login.path}?${query}`, { waitUntil: 'domcontentloaded' })
      if ((await page.locator('#consent').count()) === 0) {
        throw new HarnessError('ERR_USER_AGENT', `the browser did not reach the consent page (it is at ${page.url()})`)
      }
      await page.fill('#username', o.handle)
      await page.fill('#password', o.password)
      await page.click('#approve', { noWaitAfter: true })
      let timer: NodeJS.Timeout | undefined
      const final = await Promise.race([
        done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HarnessError('ERR_USER_AGENT', `the browser never reached ${d.frontend.redirectUri} (it is at ${page.url()})`)), o.timeoutMs)
        }),
      ]).finally(() => clearTimeout(timer))
      for (const c of await context.cookies(o.publicUrl)) fe.jar.set(c.name, c.value)
      const s = d.session
      if (s.carrier === 'header') {
        const url = new URL(final)
        const value = (s.from === 'fragment' ? new URLSearchParams(url.hash.slice(1)) : url.searchParams).get(s.param)
        if (value) fe.headerSession = value
      }
      if (!callback) throw new HarnessError('ERR_USER_AGENT', 'the browser reached the frontend without passing the callback')
      return callback
    } finally {
      await context.close()
    }
  }
}
