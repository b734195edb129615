import type { RequirementRef } from './requirement.ts'

/** The check id of a scenario's own expectation (beside the always-on checks). */
export const EXPECTATION_CHECK_ID = 'scenario.expectation'

/**
 * Check ids the runner itself emits besides the expectation and the always-on checks: an
 * ERROR scenario can be baselined by its harness check too.
 */
export const RUNNER_CHECK_IDS = ['harness.driver', 'harness.mock', 'harness.run', 'scenario.capabilities', 'scenario.https']

/**
 * INCONCLUSIVE: the scenario ran, but what the client did says nothing about the requirement: it refused a
 * negative scenario's step (or failed a step before the requirement was exercised) without having shown, in the
 * same run, that it completes those steps on the good path. Neither a pass nor a finding.
 */
export type Status = 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'INCONCLUSIVE' | 'ERROR'

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
  /** Why a check was skipped, inconclusive or errored. */
  reason?: string
  /** How to fix a client that fails this check (FAIL and WARN verdicts): the check's own advice, not the scenario's. */
  fix?: string
  /** Set when a baseline lists this FAIL or ERROR as a known failure: it does not fail the run. */
  baselined?: { entry: string; reason?: string }
}

/**
 * What a check's judge returns; the judge turns `fail` into WARN for a SHOULD. `goodPathThrough` (expectation
 * only) says the finding rests on the client refusing a step: it counts only if the same client completes the
 * steps up to that index on the good path in the run (else the runner makes it INCONCLUSIVE).
 */
export type Finding =
  | { kind: 'pass'; evidence?: string[]; observed?: string; goodPathThrough?: number }
  | { kind: 'fail'; expected: string; observed: string; evidence: string[]; goodPathThrough?: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'inconclusive'; reason: string; observed?: string; evidence?: string[] }

export const pass = (observed?: string, evidence: string[] = []): Finding => ({ kind: 'pass', observed, evidence })
export const fail = (f: { expected: string; observed: string; evidence?: string[] }): Finding => ({
  kind: 'fail',
  expected: f.expected,
  observed: f.observed,
  evidence: f.evidence ?? [],
})
export const skip = (reason: string): Finding => ({ kind: 'skip', reason })

/**
 * Severity order: a scenario's verdict is its worst check. INCONCLUSIVE ranks above SKIP (the scenario ran and
 * still says nothing) and below WARN (any real finding beside it wins); like SKIP it does not fail a run.
 */
export const SEVERITY: Record<Status, number> = { PASS: 0, SKIP: 1, INCONCLUSIVE: 2, WARN: 3, FAIL: 4, ERROR: 5 }

/** Every status, best first. */
export const STATUSES: readonly Status[] = ['PASS', 'SKIP', 'INCONCLUSIVE', 'WARN', 'FAIL', 'ERROR']

/** How many of each status (every status listed, zeros included): a run's totals. */
export function tally(statuses: readonly Status[]): Record<Status, number> {
  const counts = Object.fromEntries(Object.keys(SEVERITY).map((s) => [s, 0])) as Record<Status, number>
  for (const s of statuses) counts[s]++
  return counts
}

export function worst(statuses: Status[]): Status {
  if (statuses.length === 0) return 'SKIP'
  // A scenario with some passing and some skipped checks passes.
  const ranked = statuses.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a))
  return ranked === 'SKIP' && statuses.includes('PASS') ? 'PASS' : ranked
}
