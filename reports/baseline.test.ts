import { describe, expect, it } from 'vitest'
import { HarnessError } from '../protocol/errors.ts'
import { worst, type Status, type Verdict } from '../model/verdict.ts'
import { applyBaseline, baselineFailed, describeBaseline, judgeRun, parseBaseline, type BaselineEntry } from './baseline.ts'
import type { ScenarioResult } from './schema.ts'

const known = {
  scenarios: ['callback-iss-mismatch', 'login-with-handle', 'confidential-login', 'iss-mismatch'],
  checks: ['scenario.expectation', 'dpop.fresh-jti', 'conf.fresh-on-retry', 'harness.run'],
}

function parseError(text: string): string {
  try {
    parseBaseline(text, 'baseline.txt', known)
  } catch (err) {
    expect(err).toBeInstanceOf(HarnessError)
    expect((err as HarnessError).code).toBe('ERR_CONFIG')
    return (err as Error).message
  }
  throw new Error('expected a parse error')
}

const check = (checkId: string, status: Status): Verdict => ({
  checkId,
  status,
  title: checkId,
  requirement: { id: 'REQ-01', level: status === 'WARN' ? 'SHOULD' : 'MUST' },
  evidence: [],
})

function scenario(id: string, checks: Verdict[]): ScenarioResult {
  return {
    id,
    title: id,
    family: 'ISS',
    requirements: [],
    profile: 'reference',
    topology: 'entryway',
    clientKind: 'public',
    verdict: worst(checks.map((c) => c.status)),
    durationMs: 1,
    faults: {},
    checks,
    transcript: [],
  }
}

const entry = (scenario: string, check?: string, line = 1): BaselineEntry => ({ scenario, check, file: 'baseline.txt', line })

describe('parseBaseline', () => {
  it('reads scenario and scenario:check entries with reasons; skips comments and blank lines', () => {
    const text = [
      '# known failures of our client',
      '',
      'callback-iss-mismatch   our callback handler rewrites iss (#12)',
      '\tconfidential-login:conf.fresh-on-retry\tassertions are cached per request',
      'login-with-handle',
      '   # an indented comment',
    ].join('\r\n')
    expect(parseBaseline(text, 'baseline.txt', known)).toEqual([
      { scenario: 'callback-iss-mismatch', check: undefined, reason: 'our callback handler rewrites iss (#12)', file: 'baseline.txt', line: 3 },
      { scenario: 'confidential-login', check: 'conf.fresh-on-retry', reason: 'assertions are cached per request', file: 'baseline.txt', line: 4 },
      { scenario: 'login-with-handle', check: undefined, reason: undefined, file: 'baseline.txt', line: 5 },
    ])
    expect(parseBaseline('', 'empty.txt')).toEqual([])
  })

  it('names a space after the colon and shows the fixed entry', () => {
    expect(parseError('# x\n\niss-mismatch: dpop.fresh-jti')).toBe(
      'baseline.txt:3: "iss-mismatch: dpop.fresh-jti" has a space after the colon; write iss-mismatch:dpop.fresh-jti',
    )
    expect(parseError('iss-mismatch :dpop.fresh-jti')).toBe(
      'baseline.txt:1: "iss-mismatch :dpop.fresh-jti" has a space before the colon; write iss-mismatch:dpop.fresh-jti',
    )
    expect(parseError('iss-mismatch:')).toBe(
      'baseline.txt:1: "iss-mismatch:" names no check after the colon; write iss-mismatch for the whole scenario or iss-mismatch:<check id>',
    )
  })

  it('suggests the nearest known scenario or check for a typo', () => {
    expect(parseError('callback-iss-mismatc')).toBe('baseline.txt:1: unknown scenario "callback-iss-mismatc"; did you mean callback-iss-mismatch?')
    expect(parseError('no-such-thing-at-all')).toBe(
      'baseline.txt:1: unknown scenario "no-such-thing-at-all"; see `atproto-oauth-conformance list` for the ids',
    )
    expect(parseError('login-with-handle:dpop.fresh-jit')).toBe(
      'baseline.txt:1: unknown check "dpop.fresh-jit" in "login-with-handle:dpop.fresh-jit"; did you mean login-with-handle:dpop.fresh-jti?',
    )
    expect(parseError('login-with-handle dpop.fresh-jti')).toBe(
      'baseline.txt:1: "login-with-handle dpop.fresh-jti" lists the whole scenario with the reason "dpop.fresh-jti"; to list one check write login-with-handle:dpop.fresh-jti',
    )
  })

  it('checks id syntax when no vocabulary is given', () => {
    expect(() => parseBaseline('Login_With_Handle', 'b.txt')).toThrow(
      'b.txt:1: "Login_With_Handle" is not a scenario id (lower-case words joined by "-", e.g. callback-iss-mismatch)',
    )
    expect(() => parseBaseline('login-with-handle:fresh', 'b.txt')).toThrow('b.txt:1: "fresh" is not a check id (family.what, e.g. dpop.fresh-jti)')
    expect(parseBaseline('my-own-scenario:my.check  reason', 'b.txt')).toEqual([
      { scenario: 'my-own-scenario', check: 'my.check', reason: 'reason', file: 'b.txt', line: 1 },
    ])
  })

  it('rejects two colons, a missing scenario, duplicates and entries a whole-scenario entry already covers', () => {
    expect(parseError('a:b:c')).toBe('baseline.txt:1: "a:b:c" has more than one colon; write <scenario> or <scenario>:<check>')
    expect(parseError(':dpop.fresh-jti')).toBe('baseline.txt:1: ":dpop.fresh-jti" has no scenario id before the colon; write <scenario>:dpop.fresh-jti')
    expect(parseError('login-with-handle\nlogin-with-handle  again')).toBe('baseline.txt:2: "login-with-handle" is listed twice (first on line 1); remove one')
    expect(parseError('login-with-handle\nlogin-with-handle:dpop.fresh-jti')).toBe(
      'baseline.txt:2: "login-with-handle:dpop.fresh-jti" is already covered by "login-with-handle" on line 1; remove one',
    )
  })

  it('refuses an entry for a harness check: a crash or hang is never a known failure', () => {
    expect(parseError('login-with-handle:harness.run')).toMatch(/^baseline\.txt:1: "login-with-handle:harness\.run" names a harness check: .*no entry can list it/)
    expect(parseError('login-with-handle:harness.driver')).toMatch(/names a harness check/)
  })

  it('reports every mistake at once, one line each', () => {
    expect(parseError('callback-iss-mismatc\nlogin-with-handle\niss-mismatch: dpop.fresh-jti').split('\n')).toEqual([
      'baseline.txt:1: unknown scenario "callback-iss-mismatc"; did you mean callback-iss-mismatch?',
      'baseline.txt:3: "iss-mismatch: dpop.fresh-jti" has a space after the colon; write iss-mismatch:dpop.fresh-jti',
    ])
  })
})

describe('applyBaseline', () => {
  const report = {
    scenarios: [
      scenario('callback-iss-mismatch', [check('scenario.expectation', 'FAIL'), check('dpop.fresh-jti', 'FAIL'), check('pkce.s256', 'PASS')]),
      scenario('confidential-login', [check('conf.fresh-on-retry', 'WARN'), check('dpop.fresh-jti', 'PASS')]),
      scenario('login-with-handle', [check('scenario.expectation', 'PASS'), check('dpop.fresh-jti', 'PASS'), check('conf.fresh-on-retry', 'SKIP')]),
      scenario('restore-session', [check('scenario.capabilities', 'SKIP')]),
      scenario('sign-out-revokes', [check('harness.run', 'ERROR')]),
    ],
  }
  const ids = (failures: { scenario: string; check: Verdict }[]) => failures.map((f) => `${f.scenario}:${f.check.checkId}`)

  it('without a baseline every FAIL and ERROR is failing', () => {
    const outcome = applyBaseline(report, [])
    expect(ids(outcome.failing)).toEqual(['callback-iss-mismatch:scenario.expectation', 'callback-iss-mismatch:dpop.fresh-jti', 'sign-out-revokes:harness.run'])
    expect(baselineFailed(outcome)).toBe(true)
  })

  it('a scenario entry covers all its FAIL and ERROR checks', () => {
    const outcome = applyBaseline(report, [entry('callback-iss-mismatch')])
    expect(ids(outcome.failing)).toEqual(['sign-out-revokes:harness.run'])
    expect(ids(outcome.baselined)).toEqual(['callback-iss-mismatch:scenario.expectation', 'callback-iss-mismatch:dpop.fresh-jti'])
    expect(outcome.stale).toEqual([])
  })

  it('never covers a harness check: a whole-scenario entry leaves harness.run failing, and is neither met nor stale', () => {
    const whole = entry('sign-out-revokes', undefined, 2)
    const single = entry('sign-out-revokes', 'harness.run', 3)
    for (const e of [whole, single]) {
      const outcome = applyBaseline(report, [entry('callback-iss-mismatch'), e])
      expect(ids(outcome.failing)).toEqual(['sign-out-revokes:harness.run'])
      expect(outcome.unchecked).toEqual([e])
      expect(outcome.stale).toEqual([])
      expect(baselineFailed(outcome)).toBe(true)
    }
  })

  it('a scenario:check entry covers that check only', () => {
    const outcome = applyBaseline(report, [entry('callback-iss-mismatch', 'dpop.fresh-jti')])
    expect(ids(outcome.failing)).toEqual(['callback-iss-mismatch:scenario.expectation', 'sign-out-revokes:harness.run'])
    expect(ids(outcome.baselined)).toEqual(['callback-iss-mismatch:dpop.fresh-jti'])
    expect(outcome.baselined[0]!.entry.line).toBe(1)
    expect(baselineFailed(outcome)).toBe(true)
  })

  it('flags entries whose scenario or check no longer fails as stale, and that fails the run', () => {
    const outcome = applyBaseline(report, [
      entry('callback-iss-mismatch'),
      entry('login-with-handle', undefined, 3),
      entry('confidential-login', 'conf.fresh-on-retry', 4),
      entry('confidential-login', 'dpop.fresh-jti', 5),
      entry('callback-iss-mismatch', 'pkce.s256', 6),
      entry('login-with-handle', 'no.such-check', 7),
    ])
    expect(ids(outcome.failing)).toEqual(['sign-out-revokes:harness.run'])
    expect(outcome.stale.map((s) => [s.now, s.message])).toEqual([
      ['PASS', 'baseline.txt:3: login-with-handle no longer fails (now PASS); remove the entry'],
      ['WARN', 'baseline.txt:4: confidential-login:conf.fresh-on-retry no longer fails (now WARN); remove the entry'],
      ['PASS', 'baseline.txt:5: confidential-login:dpop.fresh-jti no longer fails (now PASS); remove the entry'],
      ['PASS', 'baseline.txt:6: callback-iss-mismatch:pkce.s256 no longer fails (now PASS); remove the entry'],
      ['absent', 'baseline.txt:7: login-with-handle:no.such-check: the scenario has no check no.such-check; remove or correct the entry'],
    ])
    expect(baselineFailed(outcome)).toBe(true)
  })

  it('leaves entries the run says nothing about unchecked: not run, skipped, or stopped before the checks', () => {
    const unchecked = [
      entry('not-in-this-run'),
      entry('restore-session', undefined, 2),
      entry('login-with-handle', 'conf.fresh-on-retry', 3),
      entry('sign-out-revokes', 'dpop.fresh-jti', 4),
    ]
    const outcome = applyBaseline(report, [...unchecked, entry('callback-iss-mismatch', undefined, 5)])
    expect(outcome.unchecked).toEqual(unchecked)
    expect(outcome.stale).toEqual([])
    expect(ids(outcome.failing)).toEqual(['sign-out-revokes:harness.run'])
  })

  it('describes what was expected to fail and what is stale', () => {
    const outcome = applyBaseline(report, [{ ...entry('callback-iss-mismatch', 'dpop.fresh-jti'), reason: 'issue 12' }, entry('login-with-handle', undefined, 2)])
    expect(describeBaseline(outcome)).toEqual([
      'baselined FAIL callback-iss-mismatch › dpop.fresh-jti (baseline.txt:1: issue 12)',
      'stale baseline entry: baseline.txt:2: login-with-handle no longer fails (now PASS); remove the entry',
    ])
  })
})

describe('judgeRun', () => {
  const report = (scenarios: ScenarioResult[]) =>
    ({ scenarios, totals: { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0, scenarios: scenarios.length } }) as unknown as Parameters<typeof judgeRun>[0]
  const failing = [
    scenario('callback-iss-mismatch', [check('scenario.expectation', 'FAIL'), check('pkce.s256', 'PASS')]),
    scenario('login-with-handle', [check('scenario.expectation', 'PASS')]),
  ]

  it('without a baseline, any FAIL or ERROR fails the run', () => {
    expect(judgeRun(report(failing)).report.result).toEqual({ status: 'FAIL', failing: 1 })
    expect(judgeRun(report([failing[1]!])).report.result).toEqual({ status: 'PASS', failing: 0 })
  })

  it('marks listed failures known, and the run passes: the report says what the exit code says', () => {
    const entries = [{ ...entry('callback-iss-mismatch'), reason: 'BIND-02' }]
    const { report: judged } = judgeRun(report(failing), { file: 'baseline.txt', entries })
    expect(judged.result).toEqual({ status: 'PASS', failing: 0, baseline: { file: 'baseline.txt', known: 1, stale: [] } })
    expect(judged.scenarios[0]!.checks[0]!.baselined).toEqual({ entry: 'baseline.txt:1', reason: 'BIND-02' })
    expect(judged.scenarios[0]!.checks[1]!.baselined).toBeUndefined()
  })

  it('fails on a stale entry and never marks a harness check known', () => {
    const crashed = [scenario('sign-out-revokes', [check('harness.run', 'ERROR')]), ...failing]
    const entries = [entry('sign-out-revokes'), entry('login-with-handle', undefined, 2), entry('callback-iss-mismatch', undefined, 3)]
    const { report: judged } = judgeRun(report(crashed), { file: 'b.txt', entries })
    expect(judged.result?.status).toBe('FAIL')
    expect(judged.result?.failing).toBe(1)
    expect(judged.result?.baseline?.stale).toEqual([{ scenario: 'login-with-handle', message: 'baseline.txt:2: login-with-handle no longer fails (now PASS); remove the entry' }])
    expect(judged.scenarios[0]!.checks[0]!.baselined).toBeUndefined()
  })
})
