import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { renderJunit } from '../../reports/junit.ts'
import { ALWAYS_ON_CHECKS } from '../../scenarios/checks/index.ts'
import type { RunReport } from '../../reports/schema.ts'
import { sampleReport } from './sample-report.ts'

interface Case {
  '@_classname': string
  '@_name': string
  '@_time': string
  failure?: { '@_message': string; '@_type': string; '#text': string }
  error?: { '@_message': string; '@_type': string; '#text': string }
  skipped?: { '@_message': string }
  'system-out'?: string
}
interface Suite {
  '@_name': string
  '@_tests': string
  '@_failures': string
  '@_errors': string
  '@_skipped': string
  '@_timestamp': string
  properties: { property: { '@_name': string; '@_value': string }[] }
  testcase: Case[]
}

const parser = new XMLParser({
  ignoreAttributes: false,
  // Decode character references (&#10;) as every XML parser must; fast-xml-parser does it only when asked.
  htmlEntities: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === 'testsuite' || name === 'testcase' || name === 'property',
})

function parse(xml: string): { testsuites: Record<string, string> & { testsuite: Suite[] } } {
  expect(XMLValidator.validate(xml)).toBe(true)
  return parser.parse(xml)
}

let report: RunReport
let xml: string
beforeAll(async () => {
  report = await sampleReport()
  xml = renderJunit(report)
})

describe('renderJunit', () => {
  it('writes one testsuite per family and one testcase per scenario, classname = family, name = scenario id', () => {
    const { testsuites } = parse(xml)
    expect(testsuites.testsuite.map((s) => s['@_name'])).toEqual(['DISC', 'CONF', 'ISS', 'REFRESH', 'REVOKE'])
    const cases = testsuites.testsuite.flatMap((s) => s.testcase.map((c) => [s['@_name'], c['@_classname'], c['@_name']]))
    expect(cases).toEqual(report.scenarios.map((s) => [s.family, s.family, s.id]))
  })

  it('counts tests, failures, errors and skipped per suite and in total', () => {
    const { testsuites } = parse(xml)
    expect([testsuites['@_tests'], testsuites['@_failures'], testsuites['@_errors'], testsuites['@_skipped']]).toEqual(['5', '1', '1', '1'])
    const counts = Object.fromEntries(
      testsuites.testsuite.map((s) => [s['@_name'], [s['@_tests'], s['@_failures'], s['@_errors'], s['@_skipped']].join('/')]),
    )
    expect(counts).toEqual({ DISC: '1/0/0/0', CONF: '1/0/0/0', ISS: '1/1/0/0', REFRESH: '1/0/0/1', REVOKE: '1/0/1/0' })
  })

  it('maps FAIL to <failure> listing each failing check with requirement, expected, observed and transcript refs', () => {
    const iss = parse(xml).testsuites.testsuite.find((s) => s['@_name'] === 'ISS')!.testcase[0]!
    const failing = report.scenarios.find((s) => s.id === 'callback-iss-mismatch')!.checks.filter((c) => c.status === 'FAIL')
    expect(failing.map((c) => c.checkId)).toEqual(['scenario.expectation'])
    const check = failing[0]!
    expect(iss.failure?.['@_type']).toBe('FAIL')
    expect(iss.failure?.['@_message']).toBe(
      `scenario.expectation ISS-03 MUST: expected ${check.expected}; observed ${check.observed}; transcript ${check.evidence.join(' ')}`,
    )
    expect(iss.failure?.['#text']).toContain('FAIL scenario.expectation (ISS-03 MUST)')
    expect(iss.failure?.['#text']).toContain(`\n  transcript: ${check.evidence.join(' ')}\n`)
    // The expectation's fix is the scenario's; each check's line carries its own.
    expect(iss.failure?.['#text']).toMatch(/\n  fix: Keep the issuer in the pending state record/)
    expect(iss.error).toBeUndefined()
  })

  it('maps ERROR to <error>, SKIP to <skipped message=reason>, and WARN to a pass that lists its warnings', () => {
    const suites = parse(xml).testsuites.testsuite
    const byName = (name: string) => suites.find((s) => s['@_name'] === name)!.testcase[0]!
    const error = byName('REVOKE')
    expect(error.error?.['@_type']).toBe('ERROR')
    // The message is one line per check; the stack stays in the body.
    expect(error.error?.['@_message']).toBe('harness.run HARNESS MUST: reason ERR_DRIVER_CRASH: the driver threw Error: cannot start <the> "client" & co …')
    expect(error.error?.['#text']).toMatch(/at Object\.init/)
    expect(error.failure).toBeUndefined()

    expect(byName('REFRESH').skipped?.['@_message']).toBe('the client lacks restore')

    const warn = byName('CONF')
    expect(warn.failure ?? warn.error ?? warn.skipped).toBeUndefined()
    expect(warn['system-out']).toContain('WARN conf.fresh-on-retry (NONCE-07 SHOULD)')
    // A WARN of an always-on check carries that check's fix, not the scenario's.
    const scenario = report.scenarios.find((s) => s.id === 'confidential-login')!
    expect(warn['system-out']).toContain(`  fix: ${ALWAYS_ON_CHECKS.find((c) => c.id === 'conf.fresh-on-retry')!.fix}`)
    expect(warn['system-out']).not.toContain(scenario.explain!.fix)
    expect(byName('DISC')).toEqual({ '@_classname': 'DISC', '@_name': 'login-with-handle', '@_time': expect.stringMatching(/^\d+\.\d{3}$/) })
  })

  it('is deterministic: the only timestamp is startedAt, and no host name', () => {
    expect(renderJunit(report)).toBe(xml)
    const { testsuites } = parse(xml)
    expect(testsuites['@_timestamp']).toBe(report.startedAt)
    expect(new Set(testsuites.testsuite.map((s) => s['@_timestamp']))).toEqual(new Set([report.startedAt]))
    expect(xml).not.toMatch(/hostname/i)
    expect(testsuites.testsuite[0]!.properties.property.map((p) => [p['@_name'], p['@_value']])).toEqual([
      ['client', 'official'],
      ['driver', 'in-process'],
      ['tool', `atproto-oauth-conformance ${report.tool.version}`],
      ['redacted', 'true'],
    ])
  })

  it('escapes markup, quotes, line breaks and characters XML forbids', () => {
    const nasty = 'a <b> & "c" \'d\' \u0001 \uD800 ]]> end\nsecond line'
    const s = report.scenarios.find((r) => r.id === 'callback-iss-mismatch')!
    const evil: RunReport = {
      ...report,
      client: { ...report.client, name: nasty },
      scenarios: [{ ...s, checks: s.checks.map((c) => (c.status === 'FAIL' ? { ...c, observed: nasty, fix: nasty } : c)) }],
    }
    const out = renderJunit(evil)
    const parsed = parse(out)
    const failure = parsed.testsuites.testsuite[0]!.testcase[0]!.failure!
    // The message attribute keeps the first line of each check; the body keeps everything.
    expect(failure['@_message']).toContain('observed a <b> & "c" \'d\' \uFFFD \uFFFD ]]> end …')
    expect(failure['#text']).toContain('  observed: a <b> & "c" \'d\' \uFFFD \uFFFD ]]> end\nsecond line\n')
    expect(failure['#text']).toContain("fix: a <b> & \"c\" 'd' \uFFFD \uFFFD ]]> end\nsecond line")
    expect(parsed.testsuites.testsuite[0]!.properties.property[0]!['@_value']).toBe('a <b> & "c" \'d\' \uFFFD \uFFFD ]]> end\nsecond line')
  })
})
