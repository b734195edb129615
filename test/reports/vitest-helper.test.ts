import { beforeAll, describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { assessScenario, conformanceSuite } from '../../harness/vitest.ts'
import type { BaselineEntry } from '../../reports/baseline.ts'
import type { RunReport, ScenarioResult } from '../../reports/schema.ts'
import { sampleReport } from './sample-report.ts'

// The helper as a client author uses it: these describe/it blocks are generated, and must pass.
conformanceSuite({ name: 'official client', client: () => officialNodeClient(), scenarios: ['login-with-handle', 'confidential-login'] })

// A known failure listed in the baseline passes (and is printed as an expected failure).
conformanceSuite({
  name: 'flawed client with a baseline',
  client: () => officialNodeClient({ flaw: 'mask-bad-iss' }),
  scenarios: ['callback-iss-mismatch'],
  baseline: [{ scenario: 'callback-iss-mismatch', check: 'scenario.expectation', reason: 'self-test flaw', file: 'inline', line: 1 }],
})

describe('assessScenario', () => {
  let report: RunReport
  const result = (id: string, verdict: ScenarioResult['verdict']) => report.scenarios.find((s) => s.id === id && s.verdict === verdict)!
  beforeAll(async () => {
    report = await sampleReport()
  })

  it('fails a FAIL with every failing check: requirement, expected, observed, evidence spelled out, and the fix', () => {
    const fail = result('callback-iss-mismatch', 'FAIL')
    const { failure, skip, warnings } = assessScenario(fail)
    expect(skip).toBeUndefined()
    expect(warnings).toEqual([])
    const lines = failure!.split('\n')
    expect(lines[0]).toBe('callback-iss-mismatch FAIL: 1 check(s) failed')
    expect(lines[1]).toBe('FAIL scenario.expectation — ISS-03 MUST: Rejects an authorization response whose iss is not the issuer')
    expect(lines[2]).toBe('    expected: no POST /oauth/token from step 2 (callback) on')
    expect(lines[3]).toMatch(/^ {4}observed: the client sent POST \/oauth\/token \(#\d+\) and accepted the callback$/)
    expect(lines[4]).toMatch(/^ {4}evidence: #\d+ POST \/oauth\/token → 200; #\d+ step 2 callback → ok$/)
    expect(lines[5]).toBe(`    fix:      ${fail.explain!.fix}`)
    expect(lines[6]).toBe('(npx atproto-oauth-conformance explain callback-iss-mismatch)')
  })

  it('fails an ERROR with its reason, skips a SKIP with its reason, passes a WARN with the warnings', () => {
    expect(assessScenario(result('sign-out-revokes', 'ERROR')).failure).toMatch(
      /^sign-out-revokes ERROR: 1 check\(s\) failed\nERROR harness\.run — HARNESS MUST: The scenario ran\n {4}reason: {3}ERR_DRIVER_CRASH: the driver threw Error: cannot start/,
    )
    expect(assessScenario(result('restore-session', 'SKIP'))).toEqual({ skip: 'the client lacks restore', warnings: [] })
    const warn = assessScenario(result('confidential-login', 'WARN'))
    expect(warn.failure).toBeUndefined()
    expect(warn.warnings).toHaveLength(1)
    expect(warn.warnings[0]).toMatch(/^confidential-login: 1 warning\(s\)\nWARN conf\.fresh-on-retry — NONCE-07 SHOULD: /)
    expect(assessScenario(result('login-with-handle', 'PASS'))).toEqual({ failure: undefined, warnings: [] })
  })

  it('passes a baselined failure and fails on a stale entry', () => {
    const listed: BaselineEntry[] = [{ scenario: 'callback-iss-mismatch', file: 'baseline.txt', line: 4, reason: 'issue 7' }]
    const baselined = assessScenario(result('callback-iss-mismatch', 'FAIL'), listed)
    expect(baselined.failure).toBeUndefined()
    expect(baselined.warnings[0]).toMatch(/^callback-iss-mismatch: expected failure \(baseline\.txt:4: issue 7\)\nFAIL scenario\.expectation/)

    const stale: BaselineEntry[] = [{ scenario: 'login-with-handle', file: 'baseline.txt', line: 2 }]
    expect(assessScenario(result('login-with-handle', 'PASS'), stale).failure).toBe(
      'stale baseline entry: baseline.txt:2: login-with-handle no longer fails (now PASS); remove the entry',
    )
  })

  it('rejects an unknown scenario id with the nearest one', () => {
    expect(() => conformanceSuite({ client: () => officialNodeClient(), scenarios: ['callback-iss-mismatc'] })).toThrow(
      /^unknown scenario "callback-iss-mismatc"; did you mean callback-iss-mismatch\b/,
    )
  })
})
