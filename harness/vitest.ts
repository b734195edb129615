import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, it } from 'vitest'
import type { ProfileName } from '../mock-as/profile.ts'
import { HarnessError } from '../protocol/errors.ts'
import { applyBaseline, parseBaseline, type BaselineEntry } from '../reports/baseline.ts'
import { defaultVocabulary } from './baseline-vocabulary.ts'
import type { ScenarioResult } from '../reports/schema.ts'
import { exchangeLabel } from '../reports/view.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import type { Driver } from './drivers/types.ts'
import { runScenario, type RunOptions } from './runner.ts'
import type { Family, Scenario } from './scenario.ts'
import { selectScenarios } from './select.ts'
import type { Verdict } from '../model/verdict.ts'
import type { Topology } from './world.ts'

/** Options of `conformanceSuite`: the client under test and the run settings the CLI also takes. */
export interface ConformanceSuiteOptions {
  /** Makes a fresh driver for each scenario (the CLI's `--client` module default export, without options). */
  client: () => Driver | Promise<Driver>
  /** Name of the outer `describe` block; `atproto OAuth conformance` by default. */
  name?: string
  /** Scenarios or scenario ids to run; every bundled scenario by default. */
  scenarios?: readonly (Scenario | string)[]
  /** Server profile for every scenario (`--profile`). */
  profile?: ProfileName
  /** AS/PDS topology for every scenario (`--topology`). */
  topology?: Topology
  /** Present the mocks under https host names so the client runs without allowHttp (`--https`). */
  https?: boolean
  /** Per client operation, ms (`--timeout`); 15 000 by default. */
  timeoutMs?: number
  /**
   * Expected failures: a baseline file (relative to the working directory) or parsed entries. A listed FAIL or
   * ERROR passes its test; a listed entry that no longer fails makes its test fail, so the baseline stays true.
   */
  baseline?: string | readonly BaselineEntry[]
}

/** A conformance failure: its message is the whole finding, so the stack would only repeat harness frames. */
class ConformanceError extends Error {
  override name = 'ConformanceError'
  constructor(message: string) {
    super(message)
    this.stack = `${this.name}: ${message}`
  }
}

function resolveScenarios(list: ConformanceSuiteOptions['scenarios']): Scenario[] {
  if (!list) return [...SCENARIOS]
  const ids = list.filter((s): s is string => typeof s === 'string')
  // selectScenarios rejects an unknown id with the nearest known one.
  const byId = new Map(ids.length > 0 ? selectScenarios(SCENARIOS, { ids }).map((s) => [s.id, s]) : [])
  return list.map((s) => (typeof s === 'string' ? byId.get(s)! : s))
}

function loadBaseline(baseline: ConformanceSuiteOptions['baseline']): readonly BaselineEntry[] {
  if (baseline === undefined) return []
  if (typeof baseline !== 'string') return baseline
  const path = resolve(baseline)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `baseline ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})`)
  }
  return parseBaseline(text, baseline, defaultVocabulary())
}

/** The check as the assertion message shows it, with each transcript ref spelled out. */
function describeFinding(result: ScenarioResult, check: Verdict): string {
  const refs = new Map(result.transcript.map((e) => [e.ref, e]))
  const evidence = check.evidence.map((ref) => {
    const e = refs.get(ref)
    if (!e) return ref
    if (e.kind === 'http') return `${ref} ${exchangeLabel(e)}`
    if (e.kind === 'step') return `${ref} step ${e.step + 1} ${e.op} → ${e.outcome.status}`
    return `${ref} ${e.text}`
  })
  return [
    `${check.status} ${check.checkId} — ${check.requirement.id} ${check.requirement.level}: ${check.title}`,
    check.expected !== undefined ? `    expected: ${check.expected}` : undefined,
    check.observed !== undefined ? `    observed: ${check.observed}` : undefined,
    check.reason !== undefined ? `    reason:   ${check.reason}` : undefined,
    evidence.length > 0 ? `    evidence: ${evidence.join('; ')}` : undefined,
    check.fix !== undefined && (check.status === 'FAIL' || check.status === 'WARN') ? `    fix:      ${check.fix}` : undefined,
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n')
}

/** What one scenario result means for its vitest test. */
export interface ScenarioAssessment {
  /** Skip the test with this reason (the scenario was SKIPped). */
  skip?: string
  /** Printed with console.warn: WARN checks and baselined failures. */
  warnings: string[]
  /** Fail the test with this message: unlisted FAIL/ERROR checks and stale baseline entries. */
  failure?: string
}

/** Turns a scenario result (and the baseline) into skip, warnings or a failure message; pure. */
export function assessScenario(result: ScenarioResult, baseline: readonly BaselineEntry[] = []): ScenarioAssessment {
  if (result.verdict === 'SKIP') {
    return { skip: result.reason ?? (result.checks.map((c) => c.reason).filter(Boolean).join('; ') || 'skipped'), warnings: [] }
  }
  const outcome = applyBaseline({ scenarios: [result] }, baseline)
  const warnings = outcome.baselined.map(
    ({ check, entry }) => `${result.id}: expected failure (${entry.file}:${entry.line}${entry.reason ? `: ${entry.reason}` : ''})\n${describeFinding(result, check)}`,
  )
  const warns = result.checks.filter((c) => c.status === 'WARN')
  if (warns.length > 0) warnings.push(`${result.id}: ${warns.length} warning(s)\n${warns.map((c) => describeFinding(result, c)).join('\n')}`)
  const failing = outcome.failing.map((f) => f.check)
  const lines: string[] = []
  if (failing.length > 0) {
    lines.push(`${result.id} ${result.verdict}: ${failing.length} check(s) failed`, ...failing.map((c) => describeFinding(result, c)))
    lines.push(`(npx atproto-oauth-conformance explain ${result.id})`)
  }
  lines.push(...outcome.stale.map((s) => `stale baseline entry: ${s.message}`))
  return { warnings, failure: lines.length > 0 ? lines.join('\n') : undefined }
}

function groupByFamily(scenarios: readonly Scenario[]): Map<Family, Scenario[]> {
  const groups = new Map<Family, Scenario[]>()
  for (const s of scenarios) groups.set(s.family, [...(groups.get(s.family) ?? []), s])
  return groups
}

/**
 * Turns the conformance scenarios into vitest tests inside a client author's own test suite: one `describe`
 * per family, one `it` per scenario. A FAIL or ERROR fails the test with every failing check (requirement,
 * expected, observed, evidence); a SKIP skips it with the reason; a WARN passes and prints the warnings.
 *
 * ```ts
 * import { conformanceSuite } from 'atproto-oauth-conformance/vitest'
 * conformanceSuite({ client: () => myDriver() })
 * ```
 */
export function conformanceSuite(options: ConformanceSuiteOptions): void {
  const scenarios = resolveScenarios(options.scenarios)
  const baseline = loadBaseline(options.baseline)
  const timeoutMs = options.timeoutMs ?? 15_000
  const run: RunOptions = {
    scenarios,
    driver: options.client,
    clientName: options.name ?? 'client',
    profile: options.profile,
    topology: options.topology,
    https: options.https,
    timeoutMs,
  }
  describe(options.name ?? 'atproto OAuth conformance', () => {
    for (const [family, list] of groupByFamily(scenarios)) {
      describe(family, () => {
        for (const scenario of list) {
          // Each driver operation has its own timeout inside the runner; this one only backs it up.
          const timeout = timeoutMs * (scenario.steps.length + 2) + 5_000
          it(`${scenario.id}: ${scenario.title}`, { timeout }, async (ctx) => {
            const verdict = assessScenario(await runScenario(scenario, run), baseline)
            if (verdict.skip !== undefined) ctx.skip(verdict.skip)
            for (const warning of verdict.warnings) console.warn(warning)
            if (verdict.failure !== undefined) throw new ConformanceError(verdict.failure)
          })
        }
      })
    }
  })
}
