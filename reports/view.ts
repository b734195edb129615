import type { Exchange } from '../model/transcript.ts'
import { headerValue } from '../model/transcript.ts'
import type { Family } from '../model/requirement.ts'
import type { Status, Verdict } from '../model/verdict.ts'
import type { RunReport, ScenarioResult } from './schema.ts'

/** Verdicts worth a reader's attention: FAIL and ERROR fail the run, WARN flags a SHOULD. */
export const NOTEWORTHY: Record<Status, boolean> = { PASS: false, SKIP: false, INCONCLUSIVE: true, WARN: true, FAIL: true, ERROR: true }

/** The report's scenarios grouped by family, families in order of first appearance. */
export function byFamily(report: Pick<RunReport, 'scenarios'>): [Family, ScenarioResult[]][] {
  const groups = new Map<Family, ScenarioResult[]>()
  for (const s of report.scenarios) {
    const group = groups.get(s.family) ?? []
    group.push(s)
    groups.set(s.family, group)
  }
  return [...groups]
}

/** Counts of each scenario verdict. */
export function countVerdicts(scenarios: readonly ScenarioResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0 }
  for (const s of scenarios) counts[s.verdict]++
  return counts
}

/**
 * The OAuth or XRPC error an exchange answered with: the JSON body's `error`, else the `error` parameter of a
 * `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1).
 */
export function responseError(ex: Exchange): string | undefined {
  const body = ex.response.body
  if (body && body.startsWith('{')) {
    try {
      const error = (JSON.parse(body) as { error?: unknown }).error
      if (typeof error === 'string') return error
    } catch {
      // not JSON after all: fall through to the challenge
    }
  }
  return headerValue(ex.response.headers, 'www-authenticate')?.match(/\berror="([^"]*)"/)?.[1]
}

/** `POST /oauth/par → 400 use_dpop_nonce`: the one-line label of an exchange. */
export function exchangeLabel(ex: Exchange): string {
  const error = responseError(ex)
  return `${ex.request.method} ${ex.request.path} → ${ex.response.status}${error ? ` ${error}` : ''}`
}

/** One line per non-passing check: `dpop.fresh-jti DPOP-11 MUST: expected …; observed …; transcript #3 #7`. */
export function describeCheck(check: Verdict): string {
  const parts = [
    check.expected !== undefined ? `expected ${check.expected}` : undefined,
    check.observed !== undefined ? `observed ${check.observed}` : undefined,
    check.reason !== undefined ? `reason ${check.reason}` : undefined,
    check.evidence.length > 0 ? `transcript ${check.evidence.join(' ')}` : undefined,
  ].filter((p): p is string => p !== undefined)
  return `${check.checkId} ${check.requirement.id} ${check.requirement.level}: ${parts.join('; ') || check.title}`
}

/** The first line of a text (an ERROR reason may carry a stack trace). */
export function firstLine(text: string): string {
  const i = text.indexOf('\n')
  return i < 0 ? text : `${text.slice(0, i)} …`
}

/** Milliseconds as seconds with three decimals, the unit JUnit uses. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

/** A FAIL or ERROR check a baseline lists: known, it does not fail the run. */
export function isKnown(check: Verdict): boolean {
  return check.baselined !== undefined
}

/** FAIL and ERROR checks no baseline lists: the ones that fail the run. */
export function failingChecks(s: ScenarioResult): Verdict[] {
  return s.checks.filter((c) => (c.status === 'FAIL' || c.status === 'ERROR') && !isKnown(c))
}

/** A FAIL or ERROR scenario all of whose failing checks the baseline lists. */
export function isKnownFailure(s: ScenarioResult): boolean {
  return SEVERITY_FAILS[s.verdict] && failingChecks(s).length === 0
}

const SEVERITY_FAILS: Record<Status, boolean> = { PASS: false, WARN: false, SKIP: false, INCONCLUSIVE: false, FAIL: true, ERROR: true }

/** Stale baseline entries about one scenario (each fails the run). */
export function staleEntries(report: Pick<RunReport, 'result'>, s: ScenarioResult): string[] {
  return (report.result?.baseline?.stale ?? []).filter((e) => e.scenario === s.id).map((e) => e.message)
}

/**
 * The run's result in words, the same in every report and as the CLI's exit code: from `report.result` (set by
 * the CLI, after the baseline), else from the verdicts (any FAIL or ERROR fails).
 */
export function runHeadline(report: Pick<RunReport, 'result' | 'totals' | 'incomplete'>): { passed: boolean; text: string } {
  const r = report.result
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
  if (!r) {
    const failed = report.totals.FAIL + report.totals.ERROR
    const text = failed > 0 ? `${failed} failed` : 'passed'
    return { passed: failed === 0, text: report.incomplete ? `${text} (incomplete)` : text }
  }
  const b = r.baseline
  if (r.status === 'PASS') {
    return { passed: true, text: b && b.known > 0 ? `passed, ${plural(b.known, 'known failure', 'known failures')} (${b.file})` : 'passed' }
  }
  const parts = [
    r.failing > 0 ? `${plural(r.failing, 'failing check', 'failing checks')}${b ? ` not in ${b.file}` : ''}` : '',
    b && b.stale.length > 0 ? plural(b.stale.length, 'stale baseline entry', 'stale baseline entries') : '',
  ].filter(Boolean)
  return { passed: false, text: `failed: ${parts.join(', ')}` }
}
