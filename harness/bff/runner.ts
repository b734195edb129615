import { HarnessError } from '../../protocol/errors.ts'
import { realClock } from '../../model/clock.ts'
import { EXPECTATION_CHECK_ID, SEVERITY, fail, pass, worst, type Finding, type Status, type Verdict } from '../../model/verdict.ts'
import type { StepOutcome } from '../../model/transcript.ts'
import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../../reports/schema.ts'
import { ALWAYS_ON_CHECKS } from '../../scenarios/checks/index.ts'
import { REQUIREMENTS } from '../../scenarios/catalog.ts'
import { loadExclusions, reportCoverage } from '../coverage.ts'
import { toVerdict } from '../judge.ts'
import { redactTranscript } from '../redact.ts'
import { REQUEST_BUDGET } from '../runner.ts'
import type { Scenario } from '../scenario.ts'
import { TOOL_VERSION } from '../version.ts'
import { CLIENT_HOST, createWorld, type World } from '../world.ts'
import { AS_STATE_NOTE, BFF_CHECKS, mintedTokens, type BffCheckContext } from './checks.ts'
import type { BffDeclaration, BffSetup, BffSetupAnswer } from './declaration.ts'
import type { BrowserFrontendLogin } from './browser-login.ts'
import type { CookieJar } from './cookies.ts'
import { FOREIGN_ORIGIN, Frontend, LoginRefused, REDIRECT_PARAMS, type FrontendRequest } from './frontend.ts'
import { stepExpect, type BffScenario, type BffStep, type Credential } from './scenario.ts'

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

const PUBLIC_URL = `https://${CLIENT_HOST}`
const ok = (status: number) => status >= 200 && status < 400

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('ERR_DRIVER_TIMEOUT', `the backend did not answer ${what} within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

/** Plays one scenario's steps; stops after a step that had to succeed and did not. */
class StepPlayer {
  readonly main: Frontend
  readonly other: Frontend
  /** The main frontend's credential as it was before its last logout. */
  stale?: { jar: CookieJar; header?: string }
  constructor(
    readonly world: World,
    readonly declaration: BffDeclaration,
    readonly browser: BrowserFrontendLogin | undefined,
    readonly timeoutMs: number,
  ) {
    this.main = new Frontend(world, declaration, PUBLIC_URL, realClock)
    this.other = new Frontend(world, declaration, PUBLIC_URL, realClock)
  }

  /** The request a frontend sends for an endpoint with a given credential (see `Credential`). */
  request(endpoint: { method: 'GET' | 'POST'; path: string }, credential: Credential): FrontendRequest {
    const { main, other, declaration } = this
    const base: FrontendRequest = { method: endpoint.method, path: endpoint.path, origin: declaration.frontend.origin }
    const naming = (did: string | undefined): Partial<FrontendRequest> =>
      did ? { query: { did }, ...(endpoint.method === 'POST' ? { json: { did } } : {}) } : {}
    // The DID in the session's own place: the cookie, or the session header.
    const didAsSession = (did: string | undefined): Partial<FrontendRequest> => {
      if (!did) return {}
      const s = declaration.session
      if (s.carrier === 'cookie') {
        const jar = main.jar.copy()
        jar.set(s.name, did)
        return { jar, headers: {} }
      }
      return { headers: main.sessionHeader(did) }
    }
    switch (credential) {
      case 'session':
        return main.withSession(endpoint)
      case 'none':
        return base
      case 'did':
        return { ...base, ...naming(main.did), ...didAsSession(main.did) }
      case 'other-did':
        return { ...base, ...naming(other.did), ...didAsSession(other.did) }
      case 'other-origin':
        return { ...main.withSession(endpoint), origin: FOREIGN_ORIGIN }
      case 'pds-token': {
        const token = [...mintedTokens(this.world.transcript)].reverse().find(([, t]) => t.kind === 'access token' && t.sub === main.did)?.[0]
        if (!token) throw new HarnessError('ERR_SCENARIO_INVALID', 'pds-token before the backend got an access token')
        return { ...base, headers: { authorization: `Bearer ${token}` } }
      }
      case 'other-session':
        return { ...other.withSession(endpoint), ...naming(main.did) }
      case 'stale-session':
        if (!this.stale) throw new HarnessError('ERR_SCENARIO_INVALID', 'stale-session before a logout')
        return { ...base, jar: this.stale.jar.copy(), headers: main.sessionHeader(this.stale.header) }
    }
  }

  async play(step: BffStep): Promise<StepOutcome> {
    const { world, declaration } = this
    switch (step.op) {
      case 'login': {
        const fe = step.frontend === 'other' ? this.other : this.main
        const account = step.frontend === 'other' ? world.accounts.web : world.accounts.plc
        const extra = step.redirectOverride ? Object.fromEntries(REDIRECT_PARAMS.map((p) => [p, `${FOREIGN_ORIGIN}/steal`])) : {}
        try {
          const ex = this.browser
            ? await this.browser.login(fe, { declaration, publicUrl: PUBLIC_URL, handle: account.handle, password: account.password, extra, timeoutMs: this.timeoutMs })
            : await fe.deliverCallback(await fe.startLogin(account.handle, account.password, extra))
          if (!ok(ex.response.status)) return { status: 'rejected', code: `HTTP_${ex.response.status}`, message: `the callback answered ${ex.response.status}` }
          fe.did = account.did
          return { status: 'ok', result: { status: ex.response.status } }
        } catch (err) {
          if (err instanceof LoginRefused) return { status: 'rejected', code: `HTTP_${err.status}`, message: err.message }
          throw err
        }
      }
      case 'crossCallback': {
        // The attacker (bob, in another browser) starts a login and stops before the callback; the victim's
        // browser is made to deliver it (a link or an auto-submitting page).
        const response = await this.other.startLogin(world.accounts.web.handle, world.accounts.web.password)
        world.transcript.note("the other frontend's authorization response is delivered by the main frontend's browser")
        const ex = await this.main.deliverCallback(response)
        return ok(ex.response.status)
          ? { status: 'ok', result: { status: ex.response.status } }
          : { status: 'rejected', code: `HTTP_${ex.response.status}`, message: `the callback answered ${ex.response.status}` }
      }
      case 'api':
      case 'refresh':
      case 'logout': {
        const endpoint = declaration.endpoints[step.op]
        if (!endpoint) throw new HarnessError('ERR_SCENARIO_INVALID', `the backend declares no ${step.op} endpoint`)
        const credential = step.op === 'logout' ? 'session' : (step.credential ?? 'session')
        const req = this.request(endpoint, credential)
        if (step.op === 'logout') this.stale = { jar: this.main.jar.copy(), header: this.main.headerSession }
        const n = step.op === 'api' ? (step.parallel ?? 1) : 1
        const answers = await Promise.all(Array.from({ length: n }, () => this.main.send(req)))
        const statuses = answers.map((e) => e.response.status)
        if (step.op === 'logout') {
          world.transcript.note(AS_STATE_NOTE, {
            sessions: [...world.as.store.sessions.values()].map((s) => ({ sub: s.sub, revoked: s.revoked, reason: s.revokedReason })),
          })
        }
        const bad = statuses.find((s) => !ok(s))
        return bad === undefined
          ? { status: 'ok', result: { statuses } }
          : { status: 'rejected', code: `HTTP_${bad}`, message: `the backend answered ${statuses.join(', ')}` }
      }
      case 'preflight': {
        const origin = step.origin === 'frontend' ? declaration.frontend.origin : FOREIGN_ORIGIN
        const api = declaration.endpoints.api
        const ex = await this.main.send({
          method: 'OPTIONS',
          path: api.path,
          origin,
          headers: { 'access-control-request-method': api.method, 'access-control-request-headers': 'authorization, content-type' },
        })
        return { status: 'ok', result: { status: ex.response.status } }
      }
      case 'advanceClock':
        world.clock.advance(step.seconds * 1000)
        return { status: 'ok' }
      case 'setFaults':
        world.setFaults(step.faults)
        world.transcript.note('the World changes its faults', step.faults)
        return { status: 'ok' }
    }
  }
}

/** The scenario's own expectation: each step answered as `stepExpect` says. */
function judgeSteps(scenario: BffScenario, world: World): Finding {
  const steps = world.transcript.steps()
  for (const event of steps) {
    const step = scenario.steps[event.step]!
    const want = stepExpect(step)
    const o = event.outcome
    const statuses: number[] =
      o.status === 'ok' ? ((o.result as { statuses?: number[] })?.statuses ?? []) : [Number(/^HTTP_(\d+)$/.exec(o.code)?.[1] ?? 0)]
    if (want === 'ok' && o.status !== 'ok') {
      return fail({ expected: `step ${event.step + 1} (${step.op}) succeeds`, observed: `${o.code}: ${o.message}`, evidence: [event.ref] })
    }
    if (want === 'refused') {
      const all = world.transcript.exchanges({ server: 'backend' }).filter((e) => e.step === event.step).map((e) => e.response.status)
      const wrong = (all.length ? all : statuses).find((s) => s < 400 || s >= 500)
      if (wrong !== undefined) {
        return fail({
          expected: `step ${event.step + 1} (${step.op}${'credential' in step && step.credential ? ` with ${step.credential}` : ''}) is refused with a 4xx`,
          observed: wrong >= 500 ? `the backend answered ${wrong}: an error, not a refusal` : `the backend answered ${wrong}`,
          evidence: [event.ref],
        })
      }
    }
  }
  const last = scenario.steps.length
  if (steps.length < last) return { kind: 'skip', reason: `the scenario stopped at step ${steps.length} of ${last}` }
  return pass(`all ${steps.length} steps answered as expected`, steps.map((s) => s.ref))
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
      toVerdict({ id: EXPECTATION_CHECK_ID, title: scenario.title, requirement: scenario.requirements[0]! }, judgeSteps(scenario, world)),
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
  const totals = { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, ERROR: 0, scenarios: total }
  for (const r of results) totals[r.verdict]++
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
