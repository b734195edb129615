import { HarnessError } from '../../protocol/errors.ts'
import { EXPECTATION_CHECK_ID, SEVERITY, tally, worst, type Status, type Verdict } from '../../model/verdict.ts'
import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../../reports/schema.ts'
import { ALWAYS_ON_CHECKS } from '../../scenarios/checks/index.ts'
import { REQUIREMENTS } from '../../scenarios/catalog.ts'
import { loadExclusions, reportCoverage } from '../coverage.ts'
import { toVerdict } from '../judge.ts'
import { redactTranscript } from '../redact.ts'
import { REQUEST_BUDGET } from '../runner.ts'
import type { Scenario } from '../scenario.ts'
import { TOOL_VERSION } from '../version.ts'
import { createWorld, type World } from '../world.ts'
import { BFF_CHECKS, type BffCheckContext } from './checks/index.ts'
import type { BffDeclaration, BffSetup, BffSetupAnswer } from './declaration.ts'
import type { BrowserFrontendLogin } from './browser-login.ts'
import { stepExpect, type BffScenario } from './scenario.ts'
import { PUBLIC_URL, StepPlayer, judgeSteps } from './steps.ts'

/** A backend under test: started once per scenario (in-process app) or already running (any language). */
export interface BffTarget {
  name: string
  driverKind: 'in-process' | 'http'
  /** Starts the backend (or connects to it) and returns its declaration. */
  start(): Promise<{ declaration: BffDeclaration; close(): Promise<void> }>
}

export interface BffRunOptions {
  scenarios: readonly BffScenario[]
  target: BffTarget
  /** Per frontend request, ms. */
  timeoutMs?: number
  concurrency?: number
  noRedact?: boolean
  /**
   * Also run the always-on protocol checks over the backend's own OAuth traffic. Off by default: the BFF family
   * judges the session layer; the client families judge the OAuth client (drive it with a client driver).
   */
  protocolChecks?: boolean
  /** Log the frontends in through this Chromium instead of the headless user agent (docs/bff.md). */
  browser?: BrowserFrontendLogin
  onScenarioEnd?(result: ScenarioResult, index: number, total: number): void
}


function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('ERR_DRIVER_TIMEOUT', `the backend did not answer ${what} within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

function harnessVerdict(status: Status, id: string, title: string, reason: string): Verdict {
  return { status, checkId: id, title, requirement: { id: 'HARNESS', level: 'MUST' }, reason, evidence: [] }
}

/** Runs one BFF scenario in a fresh World against the backend. Never throws: failures become ERROR verdicts. */
export async function runBffScenario(scenario: BffScenario, options: BffRunOptions): Promise<ScenarioResult> {
  const started = Date.now()
  const ms = options.timeoutMs ?? 15_000
  let world: World | undefined
  let backend: { declaration: BffDeclaration; close(): Promise<void> } | undefined
  const result = (checks: Verdict[], reason?: string): ScenarioResult => ({
    id: scenario.id,
    title: scenario.title,
    family: 'BFF',
    requirements: scenario.requirements,
    profile: world?.profile.name ?? scenario.profile ?? 'reference',
    topology: world?.topology ?? 'entryway',
    clientKind: 'confidential',
    verdict: worst(checks.map((c) => c.status)),
    durationMs: Date.now() - started,
    faults: scenario.faults ?? {},
    checks,
    reason,
    explain: scenario.explain,
    transcript: world ? (options.noRedact ? [...world.transcript.entries] : redactTranscript(world.transcript.entries)) : [],
  })
  try {
    world = await createWorld({ profile: scenario.profile, faults: scenario.faults, maxRequests: REQUEST_BUDGET })
    backend = await timeout(options.target.start(), ms, 'start')
    const d = backend.declaration
    const missing = (scenario.needs ?? []).filter((n) => (n === 'refresh' ? !d.endpoints.refresh : d.session.carrier !== 'cookie'))
    if (missing.length > 0) {
      const reason = `the backend has no ${missing.map((m) => (m === 'refresh' ? 'refresh endpoint' : 'session cookie')).join(', ')}`
      return result([harnessVerdict('SKIP', 'scenario.capabilities', 'Backend capabilities', reason)], reason)
    }
    const setup: BffSetup = {
      handleResolver: world.urls.identity,
      plcDirectoryUrl: world.urls.plcDirectory,
      allowHttp: true,
      publicUrl: PUBLIC_URL,
      scenarioId: scenario.id,
    }
    const answer = await timeout(
      fetch(`${d.baseUrl}${d.setup}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(setup) }),
      ms,
      'setup',
    )
    const body = (await answer.json().catch(() => undefined)) as BffSetupAnswer | undefined
    const clientId = body?.clientMetadata?.client_id
    if (!answer.ok || typeof clientId !== 'string' || !clientId.startsWith(`${PUBLIC_URL}/`)) {
      throw new HarnessError('ERR_DRIVER_PROTOCOL', `setup answered ${answer.status} without { clientMetadata } whose client_id is under ${PUBLIC_URL}/`)
    }
    world.host(new URL(clientId).pathname, { body: body!.clientMetadata })

    const player = new StepPlayer(world, d, options.browser, ms)
    for (const [index, step] of scenario.steps.entries()) {
      world.transcript.currentStep = index
      const outcome = await timeout(player.play(step), ms, step.op)
      world.transcript.addStep(index, step.op, outcome)
      if (outcome.status !== 'ok' && stepExpect(step) === 'ok') break
    }

    const ctx: BffCheckContext = {
      transcript: world.transcript,
      scenario,
      declaration: d,
      issuer: world.urls.issuer,
      publicUrl: PUBLIC_URL,
      dids: { main: world.accounts.plc.did, other: world.accounts.web.did },
    }
    // The backend is an OAuth client like any other: on request, the always-on protocol checks judge what it sends.
    const asClientScenario = { ...scenario, client: 'confidential', steps: [], expect: { completes: true } } as unknown as Scenario
    const checkCtx = { transcript: world.transcript, scenario: asClientScenario, urls: { issuer: world.urls.issuer, pds: world.urls.pds } }
    const verdicts: Verdict[] = [
      toVerdict({ id: EXPECTATION_CHECK_ID, title: scenario.title, requirement: scenario.requirements[0]!, fix: scenario.explain.fix }, judgeSteps(scenario, world)),
      ...BFF_CHECKS.map((c) => toVerdict(c, c.judge(ctx))),
      ...(options.protocolChecks ? ALWAYS_ON_CHECKS.map((c) => toVerdict(c, c.judge(checkCtx))) : []),
    ]
    for (const fault of world.harnessFaults) {
      verdicts.unshift(harnessVerdict('ERROR', 'harness.mock', 'The mock servers worked', `internal error in ${fault.where}: ${(fault.error as Error)?.message ?? fault.error}`))
    }
    return result(verdicts)
  } catch (err) {
    const e = err as HarnessError
    const reason = `${e.code ?? 'ERR_DRIVER_CRASH'}: ${e.message ?? String(err)}`
    return result([harnessVerdict('ERROR', 'harness.run', 'The scenario ran', reason)], reason)
  } finally {
    await backend?.close().catch(() => undefined)
    await world?.close()
  }
}

/** Runs BFF scenarios against one backend and builds the run report. */
export async function runBffSuite(options: BffRunOptions): Promise<RunReport> {
  const startedAt = new Date()
  const total = options.scenarios.length
  const results: ScenarioResult[] = new Array(total)
  let next = 0
  const worker = async () => {
    while (next < total) {
      const index = next++
      results[index] = await runBffScenario(options.scenarios[index]!, options)
      options.onScenarioEnd?.(results[index], index, total)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, total)) }, worker))
  const totals = { ...tally(results.map((r) => r.verdict)), scenarios: total }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'atproto-oauth-conformance', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    client: { name: options.target.name, driver: options.target.driverKind },
    redacted: !options.noRedact,
    totals,
    scenarios: results,
    coverage: reportCoverage(REQUIREMENTS.values(), options.scenarios, options.protocolChecks ? ALWAYS_ON_CHECKS : [], loadExclusions()),
  }
}

/** Whether a BFF run fails the build: any FAIL or ERROR. */
export function bffRunFailed(report: RunReport): boolean {
  return report.scenarios.some((s) => SEVERITY[s.verdict] >= SEVERITY.FAIL)
}
