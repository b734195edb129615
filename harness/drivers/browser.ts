import { existsSync } from 'node:fs'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { HarnessError } from '../../protocol/errors.ts'
import { ACTOR_HEADER } from '../http/record.ts'
import { omitsScope, type AuthorizationResponse, type UserChoice } from '../user-agent.ts'
import {
  ClientRejected,
  DriverUnavailable,
  type Capabilities,
  type Driver,
  type DriverContext,
  type ResourceCall,
  type ResourceResult,
  type SessionInfo,
} from './types.ts'

/** Where the browser driver looks for Chromium (Debian's `chromium` package). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Loopback only: no QUIC, no background or component traffic, no first-run or sync calls to Google. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** What `init(ctx)` hands the page: the DriverContext without its function; `redirectUri` is the page's own URL. */
export type PageContext = Omit<DriverContext, 'hostDocument'>

/**
 * The test hook a web client exposes as `window.atprotoConformance` for the browser driver (docs/browser-driver.md).
 * Same operations and shapes as `Driver`; a rejection is the client's refusal, its `code` (or error name) and
 * message become `ClientRejected`. There is no `callback`: the browser lands on the redirect URI, the app
 * finishes the login on that page load, and `landed()` reports how it went.
 */
export interface ConformanceHook {
  /** `location.href` when this page load started, before the app strips an authorization response from it. */
  landingUrl: string
  init(ctx: PageContext): Promise<Capabilities>
  /** Starts a login and returns the authorization URL without navigating: the driver opens it in the same tab. */
  authorize(input: string): Promise<{ authorizationUrl: string }>
  /** The outcome of the authorization response this page load landed with. */
  landed(): Promise<SessionInfo>
  call(req: ResourceCall): Promise<ResourceResult>
  refresh(): Promise<SessionInfo>
  /** Called on a freshly reloaded page, as after a restart. */
  restore(sub: string): Promise<SessionInfo>
  signOut(): Promise<void>
}

type HookOp = Exclude<keyof ConformanceHook, 'landingUrl'>

/** Why the browser driver cannot run here, or undefined when it can. */
export function browserUnavailable(executablePath = CHROMIUM_PATH): string | undefined {
  return existsSync(executablePath)
    ? undefined
    : `Chromium not found at ${executablePath}: the browser driver needs Debian's chromium (apt-get install -y chromium)`
}

/** One Chromium for a whole run; every scenario gets a fresh browser context (its own storage) and one page. */
export interface BrowserClient {
  /** The client's page (with its query, e.g. `?flaw=…`). */
  readonly url: string
  /** A driver for one scenario. */
  driver(): Driver
  close(): Promise<void>
}

/**
 * Opens `--client-browser <target>`: a loopback http(s) URL of the client's page, or `example` (optionally
 * `example?flaw=a,b`) for the bundled SPA, which is built and served on a loopback port here.
 */
export async function openBrowserClient(target: string, options: { executablePath?: string } = {}): Promise<BrowserClient> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH
  let stopServer: (() => Promise<void>) | undefined
  let url: string
  if (target === 'example' || target.startsWith('example?')) {
    const query = new URLSearchParams(target.slice('example'.length))
    const { unknownFlaws, FLAWS } = await import('../../examples/clients/browser-spa/flaws.ts')
    const unknown = unknownFlaws(query.get('flaw'))
    if (unknown.length > 0) {
      throw new HarnessError('ERR_CONFIG', `--client-browser ${target}: unknown flaw ${unknown.join(', ')} (known: ${FLAWS.join(', ')})`)
    }
    const { startSpaServer } = await import('../../examples/clients/browser-spa/server.ts')
    const server = await startSpaServer().catch((err: Error) => {
      if (!/Could not resolve/.test(err.message)) throw err
      // The example is built from dev dependencies of this repository: a clone after `npm ci` has them.
      throw new HarnessError('ERR_CONFIG', `--client-browser example: the SPA is built from @atproto/oauth-client-browser, which is not installed (npm install --save-dev @atproto/oauth-client-browser@0.5.7): ${err.message.split('\n').slice(1).join(' ').trim()}`)
    })
    stopServer = () => server.close()
    url = `${server.url}${query.size ? `?${query}` : ''}`
  } else {
    let parsed: URL
    try {
      parsed = new URL(target)
    } catch {
      throw new HarnessError('ERR_CONFIG', `--client-browser ${target}: not a URL; give the client's page (http://127.0.0.1:<port>/) or "example"`)
    }
    if (!/^https?:$/.test(parsed.protocol) || !LOOPBACK_HOSTS.has(parsed.hostname)) {
      throw new HarnessError('ERR_CONFIG', `--client-browser ${target}: the browser only reaches loopback; serve the client on http://127.0.0.1:<port>/`)
    }
    url = parsed.href
  }
  let launched: Promise<Browser> | undefined
  // Chromium starts now, before any scenario's clock runs: its start-up (seconds on a loaded machine) is the
  // harness's, not part of the client's answer to `init`. A failed launch is reported by each scenario, as before.
  if (!browserUnavailable(executablePath)) {
    launched = launchChromium(executablePath)
    await launched.catch(() => undefined)
  }
  const browser = (): Promise<Browser> => {
    const missing = browserUnavailable(executablePath)
    if (missing) return Promise.reject(new DriverUnavailable(missing))
    launched ??= launchChromium(executablePath)
    return launched
  }
  return {
    url,
    driver: () => browserDriver(url, browser),
    async close() {
      const b = await launched?.catch(() => undefined)
      await b?.close()
      await stopServer?.()
    },
  }
}

/** playwright-core is an optional peer dependency: only the browser driver loads it. */
async function launchChromium(executablePath: string): Promise<Browser> {
  let playwright: typeof import('playwright-core')
  try {
    playwright = await import('playwright-core')
  } catch {
    throw new DriverUnavailable('the browser driver needs playwright-core next to atproto-oauth-conformance: npm install --save-dev playwright-core')
  }
  // The run owns SIGINT, SIGTERM and SIGHUP (harness/cli.ts): Playwright's own handlers would close the browser
  // under the running scenario and exit before the partial report is written. Its exit handler stays: when the
  // harness quits (a second signal), Chromium's process group is killed with it.
  return playwright.chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false })
}

// Runs inside the page (a string, so no transpiler helper leaks into it): one hook call, errors as data.
const CALL_HOOK = `async ([op, arg]) => {
  const hook = globalThis.atprotoConformance
  try { return { ok: true, value: await hook[op](arg) } }
  catch (e) { return { ok: false, code: typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error'), message: String(e?.message ?? e) } }
}`

type HookOutcome = { ok: true; value: unknown } | { ok: false; code: string; message: string }

function browserDriver(appUrl: string, launch: () => Promise<Browser>): Driver {
  const app = new URL(appUrl)
  const appBase = `${app.origin}${app.pathname}`
  const screenshots: { name: string; png: string }[] = []
  const pageErrors: string[] = []
  let context: BrowserContext | undefined
  let page: Page
  /** The authorization response the page landed with and the app has not yet been asked about. */
  let landing: AuthorizationResponse | undefined
  let mode: AuthorizationResponse['mode'] = 'fragment'

  /**
   * Loopback only; the browser's own page loads at the World (consent page, form post) are the user agent's, and
   * its favicon fetches nobody's. While it routes, Playwright answers CORS preflights itself, so the transcript
   * holds what the client's code sent (the mocks' CORS headers on the real responses still apply).
   */
  const route = (r: Route) => {
    const request = r.request()
    const url = new URL(request.url())
    if (!LOOPBACK_HOSTS.has(url.hostname)) return r.abort('blockedbyclient')
    if (url.pathname === '/favicon.ico') return r.fulfill({ status: 204 })
    if (request.isNavigationRequest() && url.origin !== app.origin) {
      return r.continue({ headers: { ...request.headers(), [ACTOR_HEADER]: 'user-agent' } })
    }
    return r.continue()
  }

  const crashed = (op: string, err: unknown) =>
    new HarnessError(
      'ERR_DRIVER_CRASH',
      `the page failed during ${op}: ${(err as Error)?.message ?? err}${pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : ''}`,
    )

  /** Waits for the page's hook after a page load; a page without one broke the driver protocol. */
  async function hookReady(): Promise<void> {
    try {
      await page.waitForFunction('typeof globalThis.atprotoConformance === "object"', undefined, { timeout: 10_000 })
    } catch (err) {
      throw new HarnessError(
        'ERR_DRIVER_PROTOCOL',
        `the page ${page.url()} defines no window.atprotoConformance hook (docs/browser-driver.md): ${(err as Error).message.split('\n')[0]}`,
      )
    }
  }

  async function hook<T>(op: HookOp, arg?: unknown): Promise<T> {
    await hookReady()
    let out: HookOutcome
    try {
      out = (await page.evaluate(`(${CALL_HOOK})(${JSON.stringify([op, arg ?? null])})`)) as HookOutcome
    } catch (err) {
      throw crashed(op, err)
    }
    if (!out.ok) throw new ClientRejected(out.code, out.message)
    return out.value as T
  }

  async function open(url: string): Promise<void> {
    try {
      await page.goto(url)
    } catch (err) {
      throw crashed(`loading ${url}`, err)
    }
  }

  async function screenshot(name: string): Promise<void> {
    screenshots.push({ name, png: (await page.screenshot({ type: 'png' })).toString('base64') })
  }

  /** The consent page's own complaint (wrong password, expired request…) or the AS's error page. */
  async function pageError(status: number | undefined): Promise<HarnessError> {
    const text = (await page.locator('#error_description, .error').first().textContent({ timeout: 1000 }).catch(() => null))?.trim()
    return new HarnessError('ERR_USER_AGENT', `the authorization page answered${status ? ` HTTP ${status}` : ''}${text ? `: ${text}` : ' without a redirect'}`)
  }

  /** After the consent form was sent: the browser lands on the app (303), or posts a form_post page there. */
  async function landOnApp(): Promise<void> {
    await page.waitForURL((url) => url.origin === app.origin || url.pathname === '/oauth/authorize/consent')
    if (new URL(page.url()).origin === app.origin) return
    if ((await page.locator('#form_post').count()) === 0) throw await pageError(undefined)
    await page.waitForURL((url) => url.origin === app.origin)
  }

  return {
    async init(ctx): Promise<Capabilities> {
      if (!ctx.allowHttp) {
        throw new HarnessError('ERR_CONFIG', 'the browser driver needs the World on loopback http (the https host names exist only inside the harness process): run without --https')
      }
      const browser = await launch()
      context = await browser.newContext({ viewport: { width: 800, height: 640 }, serviceWorkers: 'block' })
      await context.route('**/*', route)
      page = await context.newPage()
      page.on('pageerror', (err) => pageErrors.push(err.message))
      await open(appUrl)
      const { hostDocument: _, ...rest } = ctx
      return hook<Capabilities>('init', { ...rest, redirectUri: appBase } satisfies PageContext)
    },
    authorize: (input) => hook('authorize', input),
    async completeAuthorization(authorizationUrl: string, allowedOrigins: readonly string[], choice: UserChoice) {
      let url: URL
      try {
        url = new URL(authorizationUrl)
      } catch {
        throw new HarnessError('ERR_USER_AGENT', `the client produced an authorization URL that is not a URL: ${authorizationUrl}`)
      }
      if (!allowedOrigins.includes(url.origin)) {
        throw new HarnessError('ERR_USER_AGENT', `the authorization URL ${url.origin} is not this World's authorization server (${allowedOrigins.join(', ')}); the browser does not leave the World`)
      }
      let status: number | undefined
      try {
        status = (await page.goto(url.href))?.status()
      } catch (err) {
        throw crashed('opening the authorization URL', err)
      }
      if (new URL(page.url()).origin !== app.origin) {
        if ((await page.locator('#consent').count()) === 0) throw await pageError(status)
        await page.fill('#username', choice.username)
        await page.fill('#password', choice.password)
        for (const box of await page.locator('input[type=checkbox][name=remove_scope]').all()) {
          if (omitsScope(choice, (await box.getAttribute('value')) ?? '')) await box.check()
        }
        await screenshot('consent')
        await page.click(choice.decision === 'deny' ? '#deny' : '#approve')
        await landOnApp()
      }
      await hookReady()
      const landed = new URL((await page.evaluate('globalThis.atprotoConformance.landingUrl')) as string)
      mode = landed.hash.length > 1 ? 'fragment' : 'query'
      landing = { url: landed.href, params: new URLSearchParams(mode === 'fragment' ? landed.hash.slice(1) : landed.search), mode }
      return landing
    },
    async callback(params) {
      if (!landing || landing.params.toString() !== params.toString()) {
        // Deliver (again) as a browser would: a fresh load of the redirect URI carrying the response.
        await open('about:blank')
        await open(`${appBase}${mode === 'fragment' ? '#' : '?'}${params}`)
      }
      landing = undefined
      return hook<SessionInfo>('landed')
    },
    call: (req) => hook('call', req),
    refresh: () => hook('refresh'),
    async restore(sub) {
      // A restart: the page reloads, the app builds a new client over the same IndexedDB stores.
      try {
        await page.reload()
      } catch (err) {
        throw crashed('reloading the page', err)
      }
      return hook<SessionInfo>('restore', sub)
    },
    signOut: () => hook('signOut'),
    async artifacts() {
      if (context && !page.isClosed()) await screenshot('final').catch(() => undefined)
      return screenshots
    },
    async dispose() {
      await context?.close()
      context = undefined
    },
  }
}
