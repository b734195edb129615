import { afterAll, describe, expect, it } from 'vitest'
import { bffBackend } from '../../examples/clients/bff-backend/index.ts'
import { BrowserFrontendLogin } from '../../harness/bff/browser-login.ts'
import { runBffSuite } from '../../harness/bff/runner.ts'
import { browserUnavailable } from '../../harness/drivers/browser.ts'
import { BFF_SCENARIOS } from '../../scenarios/bff/index.ts'

// Chromium and playwright-core, or the reason the browser cannot run here (then the test is skipped with it).
const opened = browserUnavailable() ?? (await BrowserFrontendLogin.open())
const missing = typeof opened === 'string' ? opened : undefined
const browser = typeof opened === 'string' ? undefined : opened

afterAll(async () => {
  await browser?.close()
})

describe.skipIf(!!missing)(`the frontend's login through Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('logs in through the real browser (AS consent page, cookies, redirects) and the good path and a flaw are judged the same', async () => {
    const ids = ['bff-logout-revokes']
    const scenarios = BFF_SCENARIOS.filter((s) => ids.includes(s.id))
    expect(browser).toBeDefined()
    const clean = await runBffSuite({ scenarios, target: bffBackend(), browser })
    expect(clean.scenarios.map((s) => `${s.id}: ${s.verdict} ${s.reason ?? ''}`.trim())).toEqual(ids.map((id) => `${id}: PASS`))
    // The browser's own requests reached the AS's consent page; the backend's callback came through the route.
    const login = clean.scenarios[0]!.transcript
    const byChromium = (e: (typeof login)[number]) => e.kind === 'http' && /HeadlessChrome/.test(String(e.request.headers['user-agent']))
    for (const path of ['/oauth/authorize', '/oauth/authorize/consent']) {
      expect(login.some((e) => byChromium(e) && e.kind === 'http' && e.server === 'as' && e.actor === 'user-agent' && e.request.path === path), path).toBe(true)
    }
    expect(login.some((e) => byChromium(e) && e.kind === 'http' && e.server === 'backend' && e.request.path === '/login')).toBe(true)
    expect(login.some((e) => e.kind === 'http' && e.server === 'backend' && e.request.path === '/oauth/callback' && e.response.status === 302)).toBe(true)

    const flawed = await runBffSuite({ scenarios, target: bffBackend(['tokens-in-fragment']), browser })
    expect(flawed.scenarios[0]!.checks.filter((c) => c.status === 'FAIL').map((c) => c.checkId)).toEqual(['bff.no-token-to-frontend'])
  }, 20_000)
})
