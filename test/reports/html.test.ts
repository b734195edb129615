import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { renderHtml } from '../../reports/html.ts'
import type { RunReport } from '../../reports/schema.ts'
import { writeReports } from '../../reports/write.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { sampleReport } from './sample-report.ts'
import { CHROMIUM_ARGS } from '../../harness/drivers/browser.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let report: RunReport
let html: string
let dir: string
beforeAll(async () => {
  report = await sampleReport()
  html = renderHtml(report)
  dir = await mkdtemp(join(tmpdir(), 'aoc-html-'))
})
afterAll(async () => {
  // AOC_KEEP_HTML=1 keeps report.html and the screenshot for a look.
  if (process.env.AOC_KEEP_HTML) console.log(`report.html and screenshot kept in ${dir}`)
  else await rm(dir, { recursive: true, force: true })
})

describe('renderHtml (the markup)', () => {
  it('is one self-contained file: inline style and script, a CSP that forbids fetching anything', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    // The one inline script runs by its hash, nothing else can: no 'unsafe-inline' for scripts, no <base>, no form target.
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!
    const hash = createHash('sha256').update(script).digest('base64')
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'">`,
    )
    expect(html).not.toMatch(/<(?:script|img|iframe|link)\b[^>]*\ssrc=/i)
    expect(html).not.toMatch(/<link\b(?![^>]*href="data:)/i)
    expect(html).not.toMatch(/@import|url\(\s*['"]?http/i)
    expect(html.match(/<script>/g)).toHaveLength(1)
    expect(renderHtml(report)).toBe(html)
  })

  it('renders every scenario, check and exchange on the server', () => {
    for (const s of report.scenarios) {
      expect(html).toContain(`id="s-${s.id}"`)
      for (const c of s.checks) expect(html).toContain(`<code>${c.checkId}</code>`)
      for (const e of s.transcript) expect(html).toContain(`id="s-${s.id}-e${e.seq}"`)
    }
    const fail = report.scenarios.find((s) => s.verdict === 'FAIL')!
    const check = fail.checks.find((c) => c.status === 'FAIL')!
    for (const ref of check.evidence) expect(html).toContain(`<a class="ref" href="#s-${fail.id}-e${ref.slice(1)}">${ref}</a>`)
  })

  it('escapes every value from the report', () => {
    const evil = '<script>alert(1)</script>"\'&'
    const s = report.scenarios.find((r) => r.verdict === 'FAIL')!
    const out = renderHtml({
      ...report,
      client: { ...report.client, name: evil },
      scenarios: [
        {
          ...s,
          title: evil,
          explain: { tests: evil, why: evil, fix: evil },
          checks: s.checks.map((c) => ({ ...c, title: evil, expected: evil, observed: evil })),
          transcript: s.transcript.map((e) => (e.kind === 'note' ? { ...e, text: evil, data: { evil } } : e.kind === 'http' ? { ...e, request: { ...e.request, path: evil, headers: { ...e.request.headers, [evil]: evil } } } : e)),
        },
      ],
    })
    expect(out.match(/<script>/g)).toHaveLength(1)
    expect(out).not.toContain('alert(1)</script>')
    expect(out).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;')
  })

  it('decodes tokens and client assertions when the report is not redacted, and leaves redacted stand-ins alone', async () => {
    const raw = await runSuite({
      scenarios: SCENARIOS.filter((s) => s.id === 'confidential-login'),
      driver: () => officialNodeClient(),
      clientName: 'official',
      noRedact: true,
    })
    const page = renderHtml(raw)
    expect(page).toContain('access_token (response body) — decoded, not verified')
    expect(page).toContain('client_assertion (request body) — decoded, not verified')
    expect(page).toMatch(/access token \(Authorization: DPoP\) — decoded, not verified/)
    expect(page).toContain('secrets NOT redacted')
    expect(html).not.toContain('access_token (response body)')
    expect(html).not.toContain('client_assertion (request body)')
    expect(html).toContain('[redacted sha256:')
  })
})

describe('report.html in Chromium', () => {
  let browser: Browser | undefined
  afterAll(() => browser?.close())

  async function open(ctx: TestContext, options: { javaScriptEnabled?: boolean } = {}) {
    if (!existsSync(CHROMIUM)) ctx.skip(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`)
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const [, , , file] = await writeReports(dir, report)
    const url = pathToFileURL(file!).href
    const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, ...options })
    const page = await context.newPage()
    const requests: string[] = []
    const problems: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    await page.goto(url)
    return { page, url, requests, problems }
  }

  const visible = (page: Page, selector: string) => page.locator(selector).isVisible()

  it('loads with no console error and no request but the file itself; filters hide and show rows', async (ctx) => {
    const { page, url, requests, problems } = await open(ctx)
    await page.locator('#filters').waitFor({ state: 'visible' })
    expect(await page.locator('#shown').textContent()).toBe('5 of 5 scenarios')
    const passRow = '#overview tr[data-verdict="PASS"]'
    expect(await visible(page, passRow)).toBe(true)

    await page.locator('input[data-filter="verdict"][value="PASS"]').uncheck()
    await page.locator(passRow).waitFor({ state: 'hidden' })
    expect(await visible(page, '#s-login-with-handle')).toBe(false)
    expect(await visible(page, '#overview tr[data-verdict="FAIL"]')).toBe(true)
    expect(await page.locator('#shown').textContent()).toBe('4 of 5 scenarios')

    await page.locator('input[data-filter="verdict"][value="PASS"]').check()
    await page.locator(passRow).waitFor({ state: 'visible' })

    // Level SHOULD off: the WARN finding (NONCE-07 SHOULD) hides, the FAIL finding (MUST) stays.
    await page.locator('input[data-filter="level"][value="SHOULD"]').uncheck()
    await page.locator('#findings li.f-WARN').waitFor({ state: 'hidden' })
    expect(await visible(page, '#findings li.f-FAIL')).toBe(true)
    await page.locator('#reset').click()
    await page.locator('#findings li.f-WARN').waitFor({ state: 'visible' })

    // Family off: its rows and sections hide.
    await page.locator('input[data-filter="family"][value="ISS"]').uncheck()
    await page.locator('#overview tr[data-family="ISS"]').waitFor({ state: 'hidden' })
    await page.locator('#reset').click()

    expect(problems).toEqual([])
    expect(requests).toEqual([url])
  })

  it('opens the failing scenario: its sequence diagram, and a decoded DPoP proof from an arrow', async (ctx) => {
    const { page, url, requests, problems } = await open(ctx)
    const scenario = page.locator('#s-callback-iss-mismatch')
    expect(await scenario.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false)
    await scenario.locator(':scope > summary').click()
    const svg = scenario.locator('svg.sequence')
    await svg.waitFor({ state: 'visible' })
    const lanes = await svg.locator('.lane-name').allTextContents()
    expect(lanes).toEqual(['client', 'user agent', 'AS', 'PDS', 'identity', 'client host'])
    const labels = await svg.locator('.msg-label').allTextContents()
    expect(labels).toContain('POST /oauth/par → 400 use_dpop_nonce')
    expect(labels).toContain('POST /oauth/token → 200')

    // Clicking the PAR arrow jumps to its transcript row and opens it.
    await svg.locator('a.msg', { hasText: 'POST /oauth/par → 400 use_dpop_nonce' }).click()
    const proof = scenario.locator('li.entry.http details[open] .jwt pre', { hasText: '"typ": "dpop+jwt"' }).first()
    await proof.waitFor({ state: 'visible' })
    expect(page.url()).toMatch(/#s-callback-iss-mismatch-e\d+$/)

    // An evidence link in the checks table reaches the token request the client should never have sent.
    const check = report.scenarios.find((s) => s.id === 'callback-iss-mismatch')!.checks.find((c) => c.status === 'FAIL')!
    await scenario.locator(`table.checks a.ref[href$="-e${check.evidence[0]!.slice(1)}"]`).click()
    await scenario.locator(`#s-callback-iss-mismatch-e${check.evidence[0]!.slice(1)} details[open] summary`, { hasText: 'POST /oauth/token' }).waitFor({ state: 'visible' })

    await page.locator('#s-callback-iss-mismatch svg.sequence').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(dir, 'report-sequence.png') })
    await page.screenshot({ path: join(dir, 'report-full.png'), fullPage: true })
    expect(existsSync(join(dir, 'report-sequence.png'))).toBe(true)
    expect(problems).toEqual([])
    expect(requests).toEqual([url])
  })

  it('reads without JavaScript: findings and checks are in the page, the inert filters are not shown', async (ctx) => {
    const { page, problems } = await open(ctx, { javaScriptEnabled: false })
    expect(await visible(page, '#filters')).toBe(false)
    expect(await visible(page, '#findings li.f-FAIL')).toBe(true)
    await page.locator('#s-callback-iss-mismatch > summary').click()
    await page.locator('#s-callback-iss-mismatch table.checks tr.c-FAIL').waitFor({ state: 'visible' })
    await page.locator('#s-callback-iss-mismatch svg.sequence').waitFor({ state: 'visible' })
    expect(problems).toEqual([])
  })
})
