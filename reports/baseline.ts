import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { HarnessError } from '../protocol/errors.ts'
import { RUNNER_CHECK_IDS, type Status, type Verdict } from '../model/verdict.ts'
import type { RunReport, RunResult, ScenarioResult } from './schema.ts'

/*
 * The expected-failures baseline. This module is the only place that knows its grammar:
 *
 *   # a comment line
 *   callback-iss-mismatch                    the whole scenario may FAIL or ERROR; the rest of the line is the reason
 *   confidential-login:conf.fresh-on-retry   only this check of this scenario may FAIL or ERROR
 *
 * One entry per line: a scenario id, optionally `:` and a check id (no spaces around the colon), then optional
 * whitespace and a free-text reason. `#` at the start of a line makes it a comment; blank lines are ignored.
 * A run fails when a FAIL or ERROR is not listed, and when a listed entry no longer fails (a stale entry), so
 * a baseline never outlives the bug it records.
 *
 * No entry covers a `harness.*` check (harness.run, harness.driver, harness.mock…): a crash, a hang or a broken
 * mock says nothing the baseline could have known, so it always fails the run, whole-scenario entry or not.
 */

/** One line of a baseline file. */
export interface BaselineEntry {
  scenario: string
  /** A single check; absent means every FAIL or ERROR of the scenario. */
  check?: string
  reason?: string
  /** Where the entry was written, for messages (`baseline.txt:3`). */
  file: string
  line: number
}

/** The ids a baseline may name; without it only the syntax of ids is checked. */
export interface BaselineVocabulary {
  scenarios: Iterable<string>
  checks?: Iterable<string>
}

const SCENARIO_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$/

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

/** The closest known id, if it is close enough to be a typo of `id`. */
function nearest(id: string, known: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined
  for (const k of known) {
    const d = distance(id, k)
    if (!best || d < best.d) best = { id: k, d }
  }
  if (!best) return undefined
  return best.d <= Math.max(2, Math.floor(best.id.length / 4)) || best.id.includes(id) || id.includes(best.id) ? best.id : undefined
}

const display = (e: Pick<BaselineEntry, 'scenario' | 'check'>) => (e.check === undefined ? e.scenario : `${e.scenario}:${e.check}`)

/**
 * Parses a baseline file. Every mistake is reported as `file:line: what is wrong; how to fix it` (all of them
 * at once, one per line) in a HarnessError `ERR_CONFIG`: the CLI prints it and exits 2.
 */
export function parseBaseline(text: string, fileName: string, known?: BaselineVocabulary): BaselineEntry[] {
  const scenarios = known ? [...known.scenarios] : undefined
  const checks = known?.checks ? [...known.checks] : undefined
  const entries: BaselineEntry[] = []
  const errors: string[] = []
  const seen = new Map<string, BaselineEntry>()
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const where = `${fileName}:${line}:`
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const [token = '', ...rest] = trimmed.split(/\s+/)
    const next = rest[0]
    if (token.endsWith(':') && token.indexOf(':') === token.length - 1) {
      if (next !== undefined && !next.startsWith(':')) {
        errors.push(`${where} "${token} ${next}" has a space after the colon; write ${token}${next}`)
      } else {
        errors.push(`${where} "${token}" names no check after the colon; write ${token.slice(0, -1)} for the whole scenario or ${token}<check id>`)
      }
      return
    }
    if (next?.startsWith(':')) {
      errors.push(`${where} "${token} ${next}" has a space before the colon; write ${token}${next}`)
      return
    }
    const parts = token.split(':')
    if (parts.length > 2) {
      errors.push(`${where} "${token}" has more than one colon; write <scenario> or <scenario>:<check>`)
      return
    }
    const [scenario = '', check] = parts
    if (scenario === '') {
      errors.push(`${where} "${token}" has no scenario id before the colon; write <scenario>:${check}`)
      return
    }
    const reason = rest.join(' ') || undefined
    if (scenarios) {
      if (!scenarios.includes(scenario)) {
        const near = nearest(scenario, scenarios)
        errors.push(`${where} unknown scenario "${scenario}"; ${near ? `did you mean ${near}?` : 'see `atproto-oauth-conformance list` for the ids'}`)
        return
      }
    } else if (!SCENARIO_ID.test(scenario)) {
      errors.push(`${where} "${scenario}" is not a scenario id (lower-case words joined by "-", e.g. callback-iss-mismatch)`)
      return
    }
    if (check !== undefined && isHarnessCheck(check)) {
      errors.push(`${where} "${token}" names a harness check: a crash or hang of the harness or the client is never a known failure, so no entry can list it; fix the cause, or list the scenario's own checks`)
      return
    }
    if (check !== undefined) {
      if (checks) {
        if (!checks.includes(check)) {
          const near = nearest(check, checks)
          errors.push(`${where} unknown check "${check}" in "${token}"${near ? `; did you mean ${scenario}:${near}?` : ''}`)
          return
        }
      } else if (!CHECK_ID.test(check)) {
        errors.push(`${where} "${check}" is not a check id (family.what, e.g. dpop.fresh-jti)`)
        return
      }
    } else if (checks && reason !== undefined && rest.length === 1 && checks.includes(reason)) {
      // `scenario dpop.fresh-jti` reads as a scenario with the reason "dpop.fresh-jti": almost surely a missing colon.
      errors.push(`${where} "${trimmed}" lists the whole scenario with the reason "${reason}"; to list one check write ${scenario}:${reason}`)
      return
    }
    const entry: BaselineEntry = { scenario, check, reason, file: fileName, line }
    const key = display(entry)
    const twice = seen.get(key)
    const whole = seen.get(scenario)
    if (twice) errors.push(`${where} "${key}" is listed twice (first on line ${twice.line}); remove one`)
    else if (check !== undefined && whole) errors.push(`${where} "${key}" is already covered by "${scenario}" on line ${whole.line}; remove one`)
    else {
      seen.set(key, entry)
      entries.push(entry)
    }
  })
  if (errors.length > 0) throw new HarnessError('ERR_CONFIG', errors.join('\n'))
  return entries
}

/** Reads and parses a baseline file; the messages name it by its base name. */
export async function readBaseline(path: string, known?: BaselineVocabulary): Promise<BaselineEntry[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `--baseline ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  return parseBaseline(text, basename(path), known)
}

/** A FAIL or ERROR check of one scenario. */
export interface Failure {
  scenario: string
  check: Verdict
}

/** A baseline entry that no longer matches a failure: the run fails until it is removed. */
export interface StaleEntry {
  entry: BaselineEntry
  /** The verdict the scenario or check has now. */
  now: Status | 'absent'
  /** `baseline.txt:3: callback-iss-mismatch no longer fails (now PASS); remove the entry`. */
  message: string
}

/** The run judged against a baseline. */
export interface BaselineOutcome {
  /** FAIL and ERROR checks no entry lists: they fail the run. */
  failing: Failure[]
  /** FAIL and ERROR checks an entry lists: expected, they do not fail the run. */
  baselined: (Failure & { entry: BaselineEntry })[]
  /** Entries whose scenario or check now passes (or warns, or no longer has that check): they fail the run. */
  stale: StaleEntry[]
  /** Entries about which the run says nothing: the scenario did not run, was skipped, or stopped before its checks. */
  unchecked: BaselineEntry[]
}

/** Checks of the harness itself (the scenario ran, the driver answered, the mocks worked): never baselined. */
export function isHarnessCheck(checkId: string): boolean {
  return checkId.startsWith('harness.')
}

const FAILING: Record<Status, boolean> = { PASS: false, WARN: false, SKIP: false, INCONCLUSIVE: false, FAIL: true, ERROR: true }
const RUNNER_ONLY = new Set(RUNNER_CHECK_IDS)

/** Matches a run's FAIL and ERROR checks against the baseline entries. */
export function applyBaseline(report: Pick<RunReport, 'scenarios'>, entries: readonly BaselineEntry[]): BaselineOutcome {
  const whole = new Map(entries.filter((e) => e.check === undefined).map((e) => [e.scenario, e]))
  const single = new Map(entries.filter((e) => e.check !== undefined).map((e) => [display(e), e]))
  const used = new Set<BaselineEntry>()
  const outcome: BaselineOutcome = { failing: [], baselined: [], stale: [], unchecked: [] }
  for (const s of report.scenarios) {
    for (const check of s.checks) {
      if (!FAILING[check.status]) continue
      const entry = isHarnessCheck(check.checkId) ? undefined : (single.get(`${s.id}:${check.checkId}`) ?? whole.get(s.id))
      if (entry) {
        used.add(entry)
        outcome.baselined.push({ scenario: s.id, check, entry })
      } else outcome.failing.push({ scenario: s.id, check })
    }
  }
  const results = new Map<string, ScenarioResult>(report.scenarios.map((s) => [s.id, s]))
  for (const entry of entries) {
    if (used.has(entry)) continue
    const s = results.get(entry.scenario)
    if (!s || s.verdict === 'SKIP') {
      outcome.unchecked.push(entry)
      continue
    }
    const where = `${entry.file}:${entry.line}:`
    // A harness failure stopped the scenario before its own checks could fail: the entry is neither met nor stale.
    if (s.checks.some((c) => FAILING[c.status] && isHarnessCheck(c.checkId))) {
      outcome.unchecked.push(entry)
      continue
    }
    if (entry.check === undefined) {
      outcome.stale.push({ entry, now: s.verdict, message: `${where} ${entry.scenario} no longer fails (now ${s.verdict}); remove the entry` })
      continue
    }
    const check = s.checks.find((c) => c.checkId === entry.check)
    if (!check) {
      // A scenario that stopped before judging has only runner checks: nothing is known about this one.
      if (s.checks.every((c) => RUNNER_ONLY.has(c.checkId))) outcome.unchecked.push(entry)
      else outcome.stale.push({ entry, now: 'absent', message: `${where} ${display(entry)}: the scenario has no check ${entry.check}; remove or correct the entry` })
    } else if (check.status === 'SKIP') outcome.unchecked.push(entry)
    else outcome.stale.push({ entry, now: check.status, message: `${where} ${display(entry)} no longer fails (now ${check.status}); remove the entry` })
  }
  return outcome
}

/** Whether the run fails against its baseline: an unlisted FAIL or ERROR, or a stale entry. */
export function baselineFailed(outcome: BaselineOutcome): boolean {
  return outcome.failing.length > 0 || outcome.stale.length > 0
}

/** Console lines for a baseline outcome: what was expected to fail, and which entries are stale. */
export function describeBaseline(outcome: BaselineOutcome): string[] {
  return [
    ...outcome.baselined.map(
      ({ scenario, check, entry }) =>
        `baselined ${check.status} ${scenario} › ${check.checkId} (${entry.file}:${entry.line}${entry.reason ? `: ${entry.reason}` : ''})`,
    ),
    ...outcome.stale.map((s) => `stale baseline entry: ${s.message}`),
  ]
}

/**
 * The run's result as the CLI decides its exit code, written into the report so that every report file says
 * the same: with a baseline, listed FAIL and ERROR checks are marked `baselined` (known) and the result is FAIL
 * only for unlisted failures or stale entries; without one, any FAIL or ERROR fails.
 */
export function judgeRun(report: RunReport, baseline?: { file: string; entries: readonly BaselineEntry[] }): { report: RunReport; outcome?: BaselineOutcome } {
  if (!baseline) {
    const failing = report.scenarios.reduce((n, s) => n + s.checks.filter((c) => FAILING[c.status]).length, 0)
    return { report: { ...report, result: { status: failing > 0 ? 'FAIL' : 'PASS', failing } } }
  }
  const outcome = applyBaseline(report, baseline.entries)
  const known = new Map(outcome.baselined.map((b) => [b.check, b.entry]))
  const scenarios = report.scenarios.map((s) => ({
    ...s,
    checks: s.checks.map((c) => {
      const entry = known.get(c)
      return entry ? { ...c, baselined: { entry: `${entry.file}:${entry.line}`, ...(entry.reason !== undefined ? { reason: entry.reason } : {}) } } : c
    }),
  }))
  const result: RunResult = {
    status: baselineFailed(outcome) ? 'FAIL' : 'PASS',
    failing: outcome.failing.length,
    baseline: {
      file: baseline.file,
      known: outcome.baselined.length,
      stale: outcome.stale.map(({ entry, message }) => ({ scenario: entry.scenario, ...(entry.check !== undefined ? { check: entry.check } : {}), message })),
    },
  }
  return { report: { ...report, scenarios, result }, outcome }
}

/** The console's closing lines for a judged run: the baseline's findings, then the result. */
export function resultLines(report: RunReport, outcome: BaselineOutcome | undefined, file: string | undefined): { lines: string[]; failed: boolean } {
  const failed = report.result?.status === 'FAIL'
  if (!outcome) return { lines: [], failed }
  const result = failed
    ? `result: FAIL (${outcome.failing.length} failure(s) not in ${file}, ${outcome.stale.length} stale entr${outcome.stale.length === 1 ? 'y' : 'ies'})`
    : `result: PASS (${outcome.baselined.length} known failure(s) listed in ${file})`
  return { lines: [...describeBaseline(outcome), result], failed }
}
