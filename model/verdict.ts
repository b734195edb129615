import type { RequirementRef } from './requirement.ts'

/** The check id of a scenario's own expectation (beside the always-on checks). */
export const EXPECTATION_CHECK_ID = 'scenario.expectation'

/**
 * Check ids the runner itself emits besides the expectation and the always-on checks: an
 * ERROR scenario can be baselined by its harness check too.
 */
export const RUNNER_CHECK_IDS = ['harness.driver', 'harness.mock', 'harness.run', 'scenario.capabilities']

export type Status = 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'ERROR'

/** The verdict of one check: which requirement, what was expected and seen, and where in the transcript. */
export interface Verdict {
  status: Status
  checkId: string
  title: string
  requirement: RequirementRef
  expected?: string
  observed?: string
  /** Transcript refs (`#12`) that show what happened. */
  evidence: string[]
  /** Why a check was skipped or errored. */
  reason?: string
}

/** What a check's judge returns; the judge turns `fail` into WARN for a SHOULD. */
export type Finding =
  | { kind: 'pass'; evidence?: string[]; observed?: string }
  | { kind: 'fail'; expected: string; observed: string; evidence: string[] }
  | { kind: 'skip'; reason: string }

export const pass = (observed?: string, evidence: string[] = []): Finding => ({ kind: 'pass', observed, evidence })
export const fail = (f: { expected: string; observed: string; evidence?: string[] }): Finding => ({
  kind: 'fail',
  expected: f.expected,
  observed: f.observed,
  evidence: f.evidence ?? [],
})
export const skip = (reason: string): Finding => ({ kind: 'skip', reason })

/** Severity order: a scenario's verdict is its worst check. */
export const SEVERITY: Record<Status, number> = { PASS: 0, SKIP: 1, WARN: 2, FAIL: 3, ERROR: 4 }

export function worst(statuses: Status[]): Status {
  if (statuses.length === 0) return 'SKIP'
  // A scenario with some passing and some skipped checks passes.
  const ranked = statuses.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a))
  return ranked === 'SKIP' && statuses.includes('PASS') ? 'PASS' : ranked
}
