import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserUnavailable, openBrowserClient, type BrowserClient } from '../../harness/drivers/browser.ts'
import { runSuite } from '../../harness/runner.ts'
import { renderHtml } from '../../reports/html.ts'
import type { RunReport, ScenarioResult } from '../../reports/schema.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { runChild } from '../support/child.ts'
import { CLI_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

const missing = browserUnavailable()
if (missing) console.warn(`test/browser: skipping the Chromium runs: ${missing}`)

/**
 * The good paths the example SPA claims, plus the two negative scenarios its flaws break. scope-partial-consent
 * has the real browser remove a permission on the consent page (a partial grant).
 */
const GOOD = ['login-with-handle', 'pds-call-with-nonce', 'refresh-rotation', 'sign-out-revokes', 'restore-session', 'callback-access-denied', 'scope-partial-consent']
const NEGATIVE = ['callback-iss-mismatch', 'callback-state-tampered']

function scenarios(ids: readonly string[]) {
  return ids.map((id) => SCENARIOS.find((s) => s.id === id) ?? expect.unreachable(`no scenario ${id}`))
}

/** Each scenario's verdict and the ids of its checks that did not pass. */
function verdicts(report: RunReport) {
  return Object.fromEntries(
    report.scenarios.map((r) => [r.id, { verdict: r.verdict, failing: r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId) }]),
  )
}

async function run(target: string, ids: readonly string[]): Promise<RunReport> {
  const client = await openBrowserClient(target)
  try {
    return await runSuite({ scenarios: scenarios(ids), driver: () => client.driver(), clientName: `browser ${target}`, driverKind: 'browser', concurrency: 4 })
  } finally {
    await client.close()
  }
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const isPng = (base64: string) => Buffer.from(base64, 'base64').subarray(0, 8).equals(PNG)

// Chromium and CLI processes: limits that fit a loaded 2-core machine.
describe.skipIf(missing !== undefined)(`the browser driver with the example SPA in Chromium${missing ? ` (skipped: ${missing})` : ''}`, { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let real: RunReport
  beforeAll(async () => {
    real = await run('example', [...GOOD, ...NEGATIVE])
  }, 120_000)

  it('logs in through the real consent page and passes every good path and both callback checks', () => {
    expect(verdicts(real)).toEqual(Object.fromEntries([...GOOD, ...NEGATIVE].map((id) => [id, { verdict: 'PASS', failing: [] }])))
  })

  it('records the browser at the AS as the user agent and the app as the client', () => {
    const login = real.scenarios.find((s) => s.id === 'login-with-handle')!
    const http = login.transcript.flatMap((e) => (e.kind === 'http' ? [`${e.actor} ${e.request.method} ${e.request.path}`] : []))
    expect(http).toContain('user-agent GET /oauth/authorize')
    expect(http).toContain('user-agent POST /oauth/authorize/consent')
    expect(http).toContain('client POST /oauth/par')
    expect(http).toContain('client POST /oauth/token')
    expect(http).toContain('client GET /xrpc/com.atproto.server.getSession')
    expect(http.filter((h) => h.startsWith('client') && /\/oauth\/authorize/.test(h))).toEqual([])
  })

  it('puts a screenshot of the consent page and of the final state into every scenario, valid against the schema and shown in the HTML', async () => {
    for (const s of real.scenarios) {
      expect(s.screenshots?.map((p) => p.name), s.id).toEqual(['consent', 'final'])
      expect(s.screenshots!.every((p) => isPng(p.png)), s.id).toBe(true)
    }
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    addFormats.default(ajv)
    const validate = ajv.compile(JSON.parse(await readFile(new URL('../../reports/report.schema.json', import.meta.url), 'utf8')))
    expect(validate(JSON.parse(JSON.stringify(real))), JSON.stringify(validate.errors)).toBe(true)
    const html = renderHtml(real)
    expect(html.match(/<img alt="consent" src="data:image\/png;base64,/g)).toHaveLength(real.scenarios.length)
  })

  it('FAILs callback-iss-mismatch when the page masks a wrong iss, and nothing else', async () => {
    expect(verdicts(await run('example?flaw=skip-iss-check', ['login-with-handle', ...NEGATIVE]))).toEqual({
      'login-with-handle': { verdict: 'PASS', failing: [] },
      'callback-iss-mismatch': { verdict: 'FAIL', failing: ['scenario.expectation'] },
      'callback-state-tampered': { verdict: 'PASS', failing: [] },
    })
  }, 60_000)

  it('FAILs callback-state-tampered when the page swaps an unknown state for its last one, and nothing else', async () => {
    const report = await run('example?flaw=skip-state-check', ['login-with-handle', ...NEGATIVE])
    expect(verdicts(report)).toEqual({
      'login-with-handle': { verdict: 'PASS', failing: [] },
      'callback-iss-mismatch': { verdict: 'PASS', failing: [] },
      'callback-state-tampered': { verdict: 'FAIL', failing: ['scenario.expectation'] },
    })
    const tampered = report.scenarios.find((s) => s.id === 'callback-state-tampered') as ScenarioResult
    expect(tampered.checks[0]!.observed).toMatch(/sent POST \/oauth\/token .* and accepted the callback/)
  }, 60_000)

  describe('through the CLI', () => {
    const dirs: string[] = []
    afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

    it('run --client-browser example writes a browser report with screenshots; a bad target is exit 2', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'aoc-browser-cli-'))
      dirs.push(dir)
      const ok = await cli('run', '--client-browser', 'example', '--scenario', 'login-with-handle', '--report-dir', dir)
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toContain('client browser example (browser), 1 scenario(s)')
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport
      expect(report.client).toEqual({ name: 'browser example', driver: 'browser' })
      expect(report.scenarios[0]!.screenshots?.map((p) => p.name)).toEqual(['consent', 'final'])
      const flaw = await cli('run', '--client-browser', 'example?flaw=skip-everything')
      expect([flaw.code, flaw.stderr.trim()]).toEqual([2, 'error: --client-browser example?flaw=skip-everything: unknown flaw skip-everything (known: skip-iss-check, skip-state-check)'])
      const remote = await cli('run', '--client-browser', 'https://app.example/')
      expect([remote.code, remote.stderr.trim()]).toEqual([2, 'error: --client-browser https://app.example/: the browser only reaches loopback; serve the client on http://127.0.0.1:<port>/'])
    }, 60_000)
  })
})

describe('the browser driver without Chromium', () => {
  it('refuses --https: the browser reaches the World on loopback http only (exit 2)', async () => {
    const https = await cli('run', '--client-browser', 'example', '--https')
    expect([https.code, https.stderr.trim()]).toEqual([2, 'error: --client-browser talks to the World on loopback http: drop --https'])
  })

  it('SKIPs every scenario with the reason, in milliseconds', async () => {
    const client: BrowserClient = await openBrowserClient('example', { executablePath: '/nonexistent/chromium' })
    try {
      const report = await runSuite({ scenarios: scenarios(['login-with-handle']), driver: () => client.driver(), clientName: 'browser', driverKind: 'browser' })
      expect(report.scenarios.map((s) => [s.verdict, s.reason])).toEqual([
        ['SKIP', 'Chromium not found at /nonexistent/chromium: the browser driver needs Debian\'s chromium (apt-get install -y chromium)'],
      ])
    } finally {
      await client.close()
    }
  })
})

const BIN = new URL('../../bin/atproto-oauth-conformance.js', import.meta.url).pathname

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Chromium and the SPA build are slow on a loaded machine: below the 60 s of the test that runs it.
  return runChild(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 45_000 })
}
