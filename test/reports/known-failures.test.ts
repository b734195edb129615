import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { judgeRun, parseBaseline } from '../../reports/baseline.ts'
import { renderHtml } from '../../reports/html.ts'
import { renderJunit } from '../../reports/junit.ts'
import { renderMarkdown } from '../../reports/markdown.ts'
import type { RunReport } from '../../reports/schema.ts'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { failingRun, mergeReports } from './sample-report.ts'

/**
 * Every report file says what the exit code says: a run whose only FAIL a baseline lists passes in summary.md,
 * report.html and junit.xml alike, the failure shown as known; a stale entry fails them all. The same report
 * without the baseline fails in all three, so a renderer that ignored the result would fail these tests.
 */

const parser = new XMLParser({ ignoreAttributes: false, htmlEntities: true, parseTagValue: false, isArray: (n) => n === 'testsuite' || n === 'testcase' })
type Case = { '@_name': string; failure?: { '@_type': string; '@_message': string }; error?: unknown; skipped?: { '@_type'?: string; '@_message': string }; 'system-out'?: string }
function junitCases(xml: string): { suites: Record<string, string>[]; cases: Case[] } {
  expect(XMLValidator.validate(xml)).toBe(true)
  const parsed = parser.parse(xml) as { testsuites: Record<string, string> & { testsuite: (Record<string, string> & { testcase: Case[] })[] } }
  return { suites: [parsed.testsuites, ...parsed.testsuites.testsuite], cases: parsed.testsuites.testsuite.flatMap((s) => s.testcase) }
}

const vocabulary = { scenarios: ['callback-iss-mismatch', 'login-with-handle', 'sign-out-revokes'], checks: ['scenario.expectation'] }
const baseline = (text: string) => ({ file: 'baseline.txt', entries: parseBaseline(text, 'baseline.txt', vocabulary) })

let run: RunReport
beforeAll(async () => {
  run = await failingRun()
  expect(run.scenarios.map((s) => s.verdict)).toEqual(['FAIL'])
})

describe('a run whose failures the baseline lists', () => {
  let known: RunReport
  beforeAll(() => {
    known = judgeRun(run, baseline('callback-iss-mismatch  BIND-02: known bug')).report
    expect(known.result?.status).toBe('PASS')
  })

  it('summary.md opens green and shows the failure as known, with its entry', () => {
    const md = renderMarkdown(known)
    expect(md.split('\n')[0]).toBe('## ✅ atproto OAuth conformance: official (flaw=mask-bad-iss) — passed, 1 known failure (baseline.txt)')
    expect(md).toMatch(/\*\*1 failed\*\* \(1 known\)/)
    expect(md).toMatch(/^\| 🔕 known FAIL \| `callback-iss-mismatch` \|/m)
    expect(md).toContain('#### 🔕 known FAIL `callback-iss-mismatch`')
    expect(md).toContain('- 🔕 **known FAIL** `scenario.expectation`')
    expect(md).toContain('  - baseline: baseline.txt:1 — BIND-02: known bug')
    expect(md).not.toContain('❌')
  })

  it('report.html says passed, with a known badge', () => {
    const html = renderHtml(known)
    expect(html).toContain('<span class="outcome outcome-pass">passed, 1 known failure (baseline.txt)</span>')
    expect(html).toContain('<title>passed, 1 known failure (baseline.txt) — atproto OAuth conformance')
    expect(html).toMatch(/<span class="badge b-KNOWN" title="known FAIL: listed in baseline\.txt:1[^"]*">known FAIL<\/span>/)
    expect(html).not.toContain('class="outcome outcome-fail"')
  })

  it('junit.xml has no failure: the known failure is an expected one (skipped, type known-failure)', () => {
    const { suites, cases } = junitCases(renderJunit(known))
    const [c] = cases
    expect(c!.failure).toBeUndefined()
    expect(c!.error).toBeUndefined()
    expect(c!.skipped).toEqual({ '@_type': 'known-failure', '@_message': 'known FAIL, listed in baseline.txt:1: scenario.expectation' })
    expect(c!['system-out']).toContain('known FAIL scenario.expectation')
    for (const s of suites) expect([s['@_failures'], s['@_errors'], s['@_skipped']]).toEqual(['0', '0', '1'])
  })
})

describe('the same run without a baseline fails in every report', () => {
  it('summary.md, report.html and junit.xml', () => {
    const failed = judgeRun(run).report
    expect(failed.result).toEqual({ status: 'FAIL', failing: 1 })
    expect(renderMarkdown(failed).split('\n')[0]).toBe('## ❌ atproto OAuth conformance: official (flaw=mask-bad-iss) — failed: 1 failing check')
    expect(renderHtml(failed)).toContain('<span class="outcome outcome-fail">failed: 1 failing check</span>')
    expect(junitCases(renderJunit(failed)).cases[0]!.failure?.['@_type']).toBe('FAIL')
  })
})

describe('a stale baseline entry', () => {
  it('fails every report, named on the scenario it is about', async () => {
    const good = await runSuite({ scenarios: SCENARIOS.filter((s) => s.id === 'login-with-handle'), driver: () => officialNodeClient(), clientName: 'official' })
    const withPass = mergeReports([run, good])
    const stale = judgeRun(withPass, baseline('callback-iss-mismatch\nlogin-with-handle  fixed long ago')).report
    expect(stale.result?.status).toBe('FAIL')
    const message = 'baseline.txt:2: login-with-handle no longer fails (now PASS); remove the entry'
    expect(stale.result?.baseline?.stale).toEqual([{ scenario: 'login-with-handle', message }])
    const md = renderMarkdown(stale)
    expect(md.split('\n')[0]).toMatch(/^## ❌ .* — failed: 1 stale baseline entry$/)
    expect(md).toContain(`- ❌ **stale baseline entry:** baseline.txt:2: login-with-handle no longer fails (now PASS); remove the entry`)
    expect(renderHtml(stale)).toContain('<span class="outcome outcome-fail">failed: 1 stale baseline entry</span>')
    const c = junitCases(renderJunit(stale)).cases.find((x) => x['@_name'] === 'login-with-handle')!
    expect(c.failure).toMatchObject({ '@_type': 'stale-baseline-entry', '@_message': `stale baseline entry: ${message}` })
  })
})
