import type { Check, CheckContext } from './check.ts'
import type { Scenario, RequestPattern } from './scenario.ts'
import type { Exchange, StepEvent } from '../model/transcript.ts'
import { isNonceChallenge } from './nonce-trail.ts'
import { EXPECTATION_CHECK_ID, type Finding, type Verdict } from '../model/verdict.ts'

export { EXPECTATION_CHECK_ID } from '../model/verdict.ts'

function matches(ex: Exchange, pattern: RequestPattern): boolean {
  const [method, path] = pattern.split(' ') as [string, string]
  return ex.actor === 'client' && ex.request.method === method && ex.request.path === path
}

/** Turns a finding into a verdict; the one place where a failed SHOULD becomes a WARN. */
export function toVerdict(check: Pick<Check, 'id' | 'title' | 'requirement'> & { fix?: string }, finding: Finding): Verdict {
  const base = { checkId: check.id, title: check.title, requirement: check.requirement }
  switch (finding.kind) {
    case 'pass':
      return { ...base, status: 'PASS', observed: finding.observed, evidence: finding.evidence ?? [] }
    case 'skip':
      return { ...base, status: 'SKIP', reason: finding.reason, evidence: [] }
    case 'inconclusive':
      return { ...base, status: 'INCONCLUSIVE', reason: finding.reason, observed: finding.observed, evidence: finding.evidence ?? [] }
    case 'fail':
      return {
        ...base,
        status: check.requirement.level === 'MUST' ? 'FAIL' : 'WARN',
        expected: finding.expected,
        observed: finding.observed,
        evidence: finding.evidence,
        ...(check.fix !== undefined ? { fix: check.fix } : {}),
      }
  }
}

function stepName(scenario: Scenario, step: number): string {
  return `step ${step + 1} (${scenario.steps[step]?.op})`
}

/** The first `atMost` bound the transcript exceeds, as a failure. */
function exceeded(transcript: CheckContext['transcript'], atMost: Partial<Record<RequestPattern, number>> | undefined): Finding | undefined {
  for (const [pattern, max] of Object.entries(atMost ?? {}) as [RequestPattern, number][]) {
    const sent = transcript.exchanges().filter((e) => matches(e, pattern) && !isNonceChallenge(e))
    if (sent.length > max) {
      return {
        kind: 'fail',
        expected: `at most ${max} ${pattern} (nonce retries aside)`,
        observed: `${sent.length} sent: ${sent.map((e) => e.ref).join(', ')}`,
        evidence: sent.map((e) => e.ref),
      }
    }
  }
  return undefined
}

/** The index of the step a `failsAt` scenario must refuse: the `nth` step with that op (the first by default); -1 if none. */
export function failsAtIndex(scenario: Scenario): number {
  const expect = scenario.expect
  if (!('failsAt' in expect)) return -1
  const indexes = scenario.steps.flatMap((s, i) => (s.op === expect.failsAt ? [i] : []))
  return indexes[(expect.nth ?? 1) - 1] ?? -1
}

/** Judges the scenario's expectation from the step outcomes and the transcript (never from silence). */
export function judgeExpectation(ctx: CheckContext): Finding {
  const { scenario, transcript } = ctx
  const steps = transcript.steps()
  const expect = scenario.expect
  if ('completes' in expect) {
    const refused = steps.find((s) => s.outcome.status !== 'ok' && !scenario.steps[s.step]?.mayFail)
    // A clear refusal is as good as success where the scenario says so (e.g. "clock skew" instead of self-correction).
    if (refused && refused.outcome.status === 'rejected' && expect.orRefuses) {
      const text = `${refused.outcome.code} ${refused.outcome.message}`
      if (new RegExp(expect.orRefuses.message, 'i').test(text)) {
        const tooManyFirst = exceeded(transcript, expect.atMost)
        if (tooManyFirst) return tooManyFirst
        return { kind: 'pass', observed: `${stepName(scenario, refused.step)} refused clearly: ${text}`, evidence: [refused.ref] }
      }
      return {
        kind: 'fail',
        expected: `every step completes, or the client refuses with /${expect.orRefuses.message}/`,
        observed: `${stepName(scenario, refused.step)} failed: ${text}`,
        evidence: [refused.ref],
      }
    }
    if (refused && refused.outcome.status === 'rejected') {
      return {
        kind: 'fail',
        expected: `every step completes (${scenario.steps.map((s) => s.op).join(' → ')})`,
        observed: `${stepName(scenario, refused.step)} failed: ${refused.outcome.code}: ${refused.outcome.message}`,
        evidence: [refused.ref, ...transcript.exchanges({ actor: 'client' }).filter((e) => e.step === refused.step).slice(-3).map((e) => e.ref)],
        goodPathThrough: refused.step,
      }
    }
    const missing = (expect.sends ?? []).filter((p) => !transcript.exchanges().some((e) => matches(e, p)))
    if (missing.length > 0) {
      return {
        kind: 'fail',
        expected: `the client sends ${missing.join(', ')}`,
        observed: `no ${missing.join(', ')} in the transcript`,
        evidence: steps.map((s) => s.ref),
      }
    }
    const tooMany = exceeded(transcript, expect.atMost)
    if (tooMany) return tooMany
    for (const [pattern, min] of Object.entries(expect.atLeast ?? {}) as [RequestPattern, number][]) {
      const sent = transcript.exchanges().filter((e) => matches(e, pattern) && !isNonceChallenge(e))
      if (sent.length < min) {
        return {
          kind: 'fail',
          expected: `at least ${min} ${pattern}`,
          observed: `${sent.length} sent${sent.length ? `: ${sent.map((e) => e.ref).join(', ')}` : ''}`,
          evidence: sent.map((e) => e.ref),
        }
      }
    }
    if (expect.sessionScope !== undefined) {
      const reported = [...steps].reverse().find((s) => s.outcome.status === 'ok' && typeof (s.outcome.result as { scope?: unknown } | undefined)?.scope === 'string')
      const scope = reported && reported.outcome.status === 'ok' ? (reported.outcome.result as { scope: string }).scope : undefined
      if (scope !== expect.sessionScope) {
        return {
          kind: 'fail',
          expected: `the client reports the granted scope "${expect.sessionScope}"`,
          observed: scope === undefined ? 'the client reported no scope' : `it reports "${scope}" (${reported!.ref})`,
          evidence: reported ? [reported.ref] : [],
        }
      }
    }
    return { kind: 'pass', observed: `all ${steps.length} steps completed`, evidence: steps.map((s) => s.ref) }
  }

  const target = failsAtIndex(scenario)
  const early = steps.find((s) => s.step < target && s.outcome.status === 'rejected' && !scenario.steps[s.step]?.mayFail)
  if (early && early.outcome.status === 'rejected') {
    return {
      kind: 'fail',
      expected: `steps before ${stepName(scenario, target)} complete, then the client refuses ${expect.failsAt}`,
      observed: `${stepName(scenario, early.step)} already failed: ${early.outcome.code}: ${early.outcome.message}`,
      evidence: [early.ref],
      goodPathThrough: early.step,
    }
  }
  const forbiddenPatterns = expect.forbidden ?? []
  const forbidden = transcript.exchanges().filter((e) => e.step >= target && forbiddenPatterns.some((p) => matches(e, p)))
  const at: StepEvent | undefined = steps.find((s) => s.step === target)
  if (forbidden.length > 0) {
    return {
      kind: 'fail',
      expected: `no ${forbiddenPatterns.join(', ')} from ${stepName(scenario, target)} on`,
      observed: `the client sent ${forbidden.map((e) => `${e.request.method} ${e.request.path} (${e.ref})`).join(', ')}` +
        (at?.outcome.status === 'ok' ? ` and accepted the ${expect.failsAt}` : ''),
      evidence: [...forbidden.map((e) => e.ref), ...(at ? [at.ref] : [])],
    }
  }
  const tooMany = exceeded(transcript, expect.atMost)
  if (tooMany) return tooMany
  const unsent = (expect.sends ?? []).filter((p) => !transcript.exchanges().some((e) => matches(e, p)))
  if (at?.outcome.status === 'rejected' && unsent.length > 0) {
    return {
      kind: 'fail',
      expected: `the client refuses ${stepName(scenario, target)} and sends ${unsent.join(', ')}`,
      observed: `it refused (${at.outcome.code}: ${at.outcome.message}) but sent no ${unsent.join(', ')}`,
      evidence: [at.ref],
      goodPathThrough: target,
    }
  }
  if (at?.outcome.status === 'ok') {
    return {
      kind: 'fail',
      expected: `the client refuses ${stepName(scenario, target)}`,
      observed: `the client accepted it`,
      evidence: [at.ref],
    }
  }
  if (at?.outcome.status === 'rejected' && expect.message && !new RegExp(expect.message, 'i').test(`${at.outcome.code} ${at.outcome.message}`)) {
    return {
      kind: 'fail',
      expected: `the client refuses ${stepName(scenario, target)} and reports /${expect.message}/ to the app`,
      observed: `it refused with ${at.outcome.code}: ${at.outcome.message}`,
      evidence: [at.ref],
      goodPathThrough: target,
    }
  }
  if (at?.outcome.status === 'rejected') {
    return {
      kind: 'pass',
      observed: `refused at ${expect.failsAt}: ${at.outcome.code}: ${at.outcome.message}${forbiddenPatterns.length ? `; no ${forbiddenPatterns.join(', ')} after it` : ''}`,
      evidence: [at.ref],
      // A refusal that names the fault (`message`) is meaningful on its own; any other needs the good path.
      ...(expect.message ? {} : { goodPathThrough: target }),
    }
  }
  return { kind: 'skip', reason: `${stepName(scenario, target)} was not reached` }
}

/**
 * A requirement is scored only when the client exercised it (DESIGN §4): when the scenario names what the client
 * must have sent to reach its requirement (`exercised`) and it sent none, the expectation is INCONCLUSIVE with
 * the reason, whatever the steps did.
 */
export function exercisedOrInconclusive(ctx: CheckContext, finding: Finding): Finding {
  const { scenario, transcript } = ctx
  const exercised = scenario.exercised
  if (!exercised || finding.kind === 'skip' || finding.kind === 'inconclusive') return finding
  const params = Object.entries(exercised.params ?? {})
  const sent = transcript.exchanges({ actor: 'client' }).some((e) => matches(e, exercised.sends) && params.every(([k, v]) => e.request.params?.[k] === v))
  if (sent) return finding
  const what = `${exercised.sends}${params.map(([k, v]) => ` ${k}=${v}`).join('')}`
  return {
    kind: 'inconclusive',
    reason: `not exercised: the client sent no ${what}, so ${scenario.requirements.map((r) => r.id).join(', ')} was not reached (${exercised.otherwise})`,
  }
}

/** An always-on FAIL on the request whose refusal failed a step, with the words for the verdict it may explain. */
export interface Blame {
  check: Verdict
  /** "step 1 (authorize) failed when the authorization server refused POST /oauth/par (#6), which par.form-body FAILs (PAR-02 MUST)" */
  reason: string
}

/**
 * When a step that should have completed failed because a server refused a request, and an always-on check FAILs
 * that very request for a requirement that is not the scenario's own, the refusal may be that check's doing
 * rather than the scenario's (the runner decides, from the client's good path). WARNs do not count: a request
 * with a SHOULD flaw may well have been refused for the scenario's own fault.
 */
export function refusalBlame(ctx: CheckContext, finding: Finding, alwaysOn: readonly Verdict[]): Blame | undefined {
  const { scenario, transcript } = ctx
  const step = finding.kind === 'fail' ? finding.goodPathThrough : undefined
  // At a negative scenario's target step the refusal is the point, not a failure.
  if (step === undefined || ('failsAt' in scenario.expect && step >= failsAtIndex(scenario))) return undefined
  const refusedBy = transcript
    .exchanges({ actor: 'client' })
    .filter((e) => e.step === step && e.response.status >= 400 && !isNonceChallenge(e))
    .at(-1)
  if (!refusedBy) return undefined
  const own = scenario.requirements.map((r) => r.id)
  const check = alwaysOn.find((v) => v.status === 'FAIL' && !own.includes(v.requirement.id) && v.evidence.includes(refusedBy.ref))
  if (!check) return undefined
  const server = refusedBy.server === 'as' ? 'authorization server' : refusedBy.server === 'pds' ? 'PDS' : refusedBy.server
  return {
    check,
    reason: `${stepName(scenario, step)} failed when the ${server} refused ${refusedBy.request.method} ${refusedBy.request.path} (${refusedBy.ref}), which ${check.checkId} FAILs (${check.requirement.id} ${check.requirement.level})`,
  }
}
