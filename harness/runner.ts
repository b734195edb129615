import { HarnessError } from '../protocol/errors.ts'
import type { ProfileName } from '../mock-as/profile.ts'
import { ALWAYS_ON_CHECKS } from '../scenarios/checks/index.ts'
import { REQUIREMENTS } from '../scenarios/catalog.ts'
import { loadExclusions, reportCoverage } from './coverage.ts'
import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../reports/schema.ts'
import type { CheckContext } from './check.ts'
import { FAKETIME_MISSING, findLibfaketime } from './drivers/faketime.ts'
import { ClientRejected, DriverUnavailable, isClientRejected, type Driver, type DriverContext } from './drivers/types.ts'
import { EXPECTATION_CHECK_ID, exercisedOrInconclusive, judgeExpectation, refusalBlame, toVerdict, type Blame } from './judge.ts'
import { reportSafeResult } from './redact.ts'
import { boundOutcome } from './drivers/bounded-value.ts'
import type { Scenario, Step } from './scenario.ts'
import type { GoodPathNeed } from './good-path.ts'
import type { StepOutcome } from '../model/transcript.ts'
import { SEVERITY, tally, worst, type Finding, type Status, type Verdict } from '../model/verdict.ts'
import { CLIENT_HOST, NATIVE_CLIENT_HOST, createWorld, type Topology, type World } from './world.ts'
import { TOOL_VERSION } from './version.ts'
import { EnvironmentError, worldStartError } from './environment.ts'
import { AuthorizationPageError, completeAuthorization } from './user-agent.ts'
import { goodPathFor, isGoodPath, opsThrough } from './good-path.ts'
import { SCENARIOS } from '../scenarios/index.ts'

/** Makes a fresh driver for one scenario. */
export type DriverFactory = () => Driver | Promise<Driver>

export interface RunOptions {
  scenarios: readonly Scenario[]
  driver: DriverFactory
  /** Shown in reports. */
  clientName: string
  driverKind?: RunReport['client']['driver']
  /** Profile/topology for scenarios that do not name their own. */
  profile?: ProfileName
  topology?: Topology
  /** Present every World under https host names (routed to loopback in-process) and run clients without allowHttp. */
  https?: boolean
  /** Per driver operation, ms. */
  timeoutMs?: number
  concurrency?: number
  /** Keep secrets in the report transcripts. */
  noRedact?: boolean
  onScenarioStart?(scenario: Scenario, index: number, total: number): void
  onScenarioEnd?(result: ScenarioResult, index: number, total: number): void
  /**
   * Interrupts the run (Ctrl-C): running scenarios finish, the ones not started are SKIP with reason
   * "run interrupted", and the report is marked `incomplete`.
   */
  signal?: AbortSignal
  /** Where the good paths behind negative verdicts come from (the bundled catalog by default). */
  catalog?: readonly Scenario[]
}

/** Whether a driver of this kind can reach the World's https host names (the network boundary is in-process). */
function reachesHttpsHosts(options: RunOptions): boolean {
  return (options.driverKind ?? 'in-process') === 'in-process'
}

/** Requests one scenario's World serves before it answers 429: far above any real login, far below a flood. */
export const REQUEST_BUDGET = 1000

/** The redirect URI given to public clients; nobody listens there: the harness delivers the callback. */
export const LOOPBACK_REDIRECT_URI = 'http://127.0.0.1:8080/callback'

function timeout<T>(promise: Promise<T>, ms: number, op: string): Promise<T> {
  let timer: NodeJS.Timeout
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('ERR_DRIVER_TIMEOUT', `the client did not answer "${op}" within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

function outcomeOf(err: unknown): StepOutcome {
  // A refusal is an explicit ClientRejected; any other escaping error is a crash (ERROR), never a refusal.
  if (isClientRejected(err)) return { status: 'rejected', code: err.code, message: err.message }
  if (err instanceof HarnessError) return { status: 'error', code: err.code, message: err.message }
  let what: string
  try {
    what = String((err as Error)?.stack ?? err)
  } catch {
    // An in-process client may throw anything, even a value whose toString throws.
    what = 'a value that cannot be shown'
  }
  return { status: 'error', code: 'ERR_DRIVER_CRASH', message: `the driver threw ${what}` }
}

function loginInput(world: World, step: Extract<Step, { op: 'authorize' }>): string {
  const account = world.accounts[step.account ?? 'plc']
  switch (step.input ?? 'handle') {
    case 'handle':
      return account.handle
    case 'did':
      return account.did
    case 'pds-url':
      return world.urls.pds
    case 'entryway-url':
      return world.urls.issuer
  }
}

/** The "blob" a `{ body: 'blob' }` call uploads: a PNG signature and header, as text (drivers speak JSON). */
const PNG_BYTES = '\x89PNG\r\n\x1a\n conformance'

/** Moves time: the World's clock, and with `client` the client's clock (and the World's real time for 'with'). */
function moveTime(world: World, seconds: number, client: 'with' | 'only' | undefined): void {
  const ms = seconds * 1000
  if (client !== 'only') world.clock.advance(ms)
  if (client === 'with') world.realClock.shift(ms)
  if (client) world.clientClock.shift(ms)
}

/**
 * Adds scope tokens to the client metadata document the World serves (a deploy, META-18); returns its client_id
 * and the scope it now declares.
 * The document is the hosted one whose `client_id` is its own URL; a loopback client has none.
 */
function declareScope(world: World, scope: string): { client_id: string; scope: string } {
  for (const [path, doc] of world.hosted()) {
    const body = doc.body as { client_id?: unknown; scope?: unknown } | null
    if (typeof body !== 'object' || body === null || typeof body.client_id !== 'string' || typeof body.scope !== 'string') continue
    let clientId: URL
    try {
      clientId = new URL(body.client_id)
    } catch {
      continue
    }
    if (clientId.pathname !== path || ![CLIENT_HOST, NATIVE_CLIENT_HOST].includes(clientId.host)) continue
    const declared = [...new Set([...body.scope.split(' '), ...scope.split(' ')].filter(Boolean))].join(' ')
    world.host(path, { ...doc, body: { ...body, scope: declared } })
    return { client_id: body.client_id, scope: declared }
  }
  throw new HarnessError('ERR_SCENARIO_INVALID', 'declareScope needs a client whose metadata document the World serves (confidential or native)')
}

/**
 * Resolves once the World has received no new request for `turns` event-loop turns and `quietMs` (the client is
 * idle). The time bound keeps a client that is busy off the event loop (key imports and signatures run on the
 * thread pool) from looking idle, so what the scenario does next never depends on scheduling.
 */
async function clientIdle(world: World, turns = 200, quietMs = 0): Promise<void> {
  let quiet = 0
  let since = Date.now()
  let seen = world.requestBudget.served + world.transcript.entries.length
  while (quiet < turns || Date.now() - since < quietMs) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    const now = world.requestBudget.served + world.transcript.entries.length
    if (now !== seen) {
      quiet = 0
      since = Date.now()
    } else quiet++
    seen = now
  }
}

/** Resolves once the AS has answered a revocation request (a sign-out's wire trace). */
async function revocationAnswered(world: World, since: number): Promise<void> {
  while (!world.transcript.entries.slice(since).some((e) => e.kind === 'http' && e.request.path === '/oauth/revoke')) {
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** Executes the steps; stops at the first step that does not complete. */
async function runSteps(world: World, driver: Driver, scenario: Scenario, ms: number): Promise<void> {
  let authorizationUrl: string | undefined
  let lastResponse: URLSearchParams | undefined
  let sub: string | undefined
  let account = world.accounts.plc
  /** Operations started with `background`, awaited by `release` (and before judging). */
  const background: Promise<unknown>[] = []
  // A client's answer or refusal is bounded before it is recorded: one 4 MB message must not become the report.
  const record = (index: number, step: Step, outcome: StepOutcome) =>
    world.transcript.addStep(index, step.op, boundOutcome(outcome))
  for (const [index, step] of scenario.steps.entries()) {
    world.transcript.currentStep = index
    if ((step.op === 'refresh' || step.op === 'signOut') && step.background) {
      const since = world.transcript.entries.length
      const op = step.op === 'refresh' ? timeout(driver.refresh(), ms, 'refresh') : timeout(driver.signOut(), ms, 'signOut')
      let settled = false
      const done = op.then(
        (result) => record(index, step, { status: 'ok', result }),
        (err) => record(index, step, outcomeOf(err)),
      ).finally(() => (settled = true))
      background.push(done)
      world.transcript.note(`the ${step.op} runs in the background`)
      // Go on once the operation settled, or is visibly under way: its response is held (refresh), or its
      // revocation was answered and the client has had its turns to act on the answer (so what it does next never
      // depends on scheduling), or the client went idle waiting (a sign-out that waits for the refresh).
      const underWay = step.op === 'refresh'
        ? world.holds.whenHeld('refresh')
        : Promise.race([revocationAnswered(world, since).then(() => clientIdle(world)), clientIdle(world, 200, 250)])
      await Promise.race([done, underWay])
      if (!settled) world.transcript.note(`the ${step.op} is under way`)
      continue
    }
    let outcome: StepOutcome
    try {
      let result: unknown
      switch (step.op) {
        case 'authorize': {
          account = world.accounts[step.account ?? 'plc']
          const input = loginInput(world, step)
          world.transcript.note(`the user logs in with ${input}`, { loginInput: input, ...(step.scope ? { scope: step.scope } : {}) })
          const out = await timeout(driver.authorize(input, step.scope ? { scope: step.scope } : undefined), ms, 'authorize')
          authorizationUrl = out.authorizationUrl
          result = out
          break
        }
        case 'callback': {
          if (!authorizationUrl) throw new HarnessError('ERR_SCENARIO_INVALID', 'callback before authorize')
          const choice = {
            username: account.handle,
            password: account.password,
            decision: step.decision ?? 'approve',
            ...(step.grant ? { omitScopes: step.grant.omit } : {}),
          } as const
          if (step.openAfterSeconds) {
            moveTime(world, step.openAfterSeconds, 'with')
            world.transcript.note(`the user opens the authorization page ${step.openAfterSeconds} s later`)
          }
          // A browser driver's real browser consents itself; otherwise the headless user agent does.
          let response
          try {
            response = driver.completeAuthorization
              ? await timeout(driver.completeAuthorization(authorizationUrl, [world.urls.issuer], choice), ms, 'completeAuthorization')
              : await completeAuthorization(authorizationUrl, [world.urls.issuer], choice)
          } catch (err) {
            // The AS refused the authorization request the client built: the client's failure, not the harness's.
            if (!(err instanceof AuthorizationPageError)) throw err
            if (step.openAfterSeconds) {
              world.transcript.note(`the authorization page shows an error, so this login ends here: ${err.message}`)
              result = { authorizationPage: 'error' }
              break
            }
            throw new ClientRejected('AuthorizationPageError', err.message)
          }
          if (step.deliverAfterSeconds) {
            world.transcript.note(`the user agent holds the redirect for ${step.deliverAfterSeconds} s`)
            moveTime(world, step.deliverAfterSeconds, 'with')
          }
          world.transcript.note(`user agent delivers the ${response.mode} authorization response to the client`, {
            url: response.url,
          })
          lastResponse = new URLSearchParams(response.params)
          // A page opened too late ends the login at the AS (the reference redirects access_denied "This request
          // has expired"): the client refusing that callback is the login ending there, not a failed step.
          const lateDenial = step.openAfterSeconds !== undefined && response.params.get('error') === 'access_denied'
          const session = await timeout(driver.callback(response.params, response), ms, 'callback').catch((err: unknown) => {
            if (!lateDenial || !isClientRejected(err)) throw err
            world.transcript.note(`the authorization server denied the late request and the client refused the callback, so this login ends here: ${err.message}`)
            return undefined
          })
          if (!session) {
            result = { authorizationPage: 'denied' }
            break
          }
          sub = session.sub
          result = session
          break
        }
        case 'replayCallback': {
          if (!lastResponse) throw new HarnessError('ERR_SCENARIO_INVALID', 'replayCallback before a callback')
          world.transcript.note('user agent delivers the same authorization response again')
          result = await timeout(driver.callback(new URLSearchParams(lastResponse)), ms, 'callback')
          break
        }
        case 'call': {
          const nsid =
            step.nsid ??
            (step.body === 'blob' ? 'com.atproto.repo.uploadBlob' : step.body ? 'com.atproto.repo.createRecord' : 'com.atproto.server.getSession')
          const collection = step.collection ?? 'app.bsky.feed.post'
          const body =
            step.body === 'post'
              ? { repo: sub, collection, record: { $type: collection, text: 'conformance', createdAt: new Date(world.clock.now()).toISOString() } }
              : step.body === 'blob'
                ? PNG_BYTES
                : undefined
          const call = {
            method: step.method ?? (body ? ('POST' as const) : ('GET' as const)),
            path: `/xrpc/${nsid}${step.query ? `?${step.query}` : ''}`,
            body,
            ...(step.body === 'blob' ? { contentType: 'image/png' } : {}),
            ...(step.proxy ? { proxy: step.proxy } : {}),
          }
          const results = await Promise.all(
            Array.from({ length: step.parallel ?? 1 }, () => timeout(driver.call(call), ms, 'call')),
          )
          const bad = results.find((r) => r.status >= 400)
          if (bad) {
            const error = (bad.body as { error?: string } | undefined)?.error
            throw new ClientRejected(`HTTP_${bad.status}`, `the PDS answered ${bad.status}${error ? ` ${error}` : ''} to ${nsid}`)
          }
          result = results.length === 1 ? results[0] : results
          break
        }
        case 'refresh':
          result = await timeout(driver.refresh(), ms, 'refresh')
          break
        case 'restore':
          if (!sub) throw new HarnessError('ERR_SCENARIO_INVALID', 'restore before a login completed')
          result = await timeout(driver.restore(sub), ms, 'restore')
          break
        case 'signOut':
          await timeout(driver.signOut(), ms, 'signOut')
          break
        case 'advanceClock':
          if (step.seconds < 0 && step.client !== 'only') {
            throw new HarnessError('ERR_SCENARIO_INVALID', 'only the client clock can move back (client: "only")')
          }
          moveTime(world, step.seconds, step.client)
          break
        case 'release':
          world.holds.release(step.seam)
          world.transcript.note(`the World lets the held ${step.seam} response go`)
          await Promise.all(background.splice(0))
          break
        case 'failSessionStore':
          if (!driver.failStoreWrites) throw new HarnessError('ERR_SCENARIO_INVALID', 'the driver cannot make the session store fail (capability storeFaults)')
          await timeout(driver.failStoreWrites(), ms, 'failStoreWrites')
          world.transcript.note("from here on the client's session store fails on write")
          break
        case 'setFaults':
          world.setFaults(step.faults)
          world.transcript.note('the World changes its faults', step.faults)
          break
        case 'declareScope': {
          const deployed = declareScope(world, step.scope)
          // `deployed` tells the checks what the client declares from here on, whether or not the AS fetched it.
          world.transcript.note(`the client's operator deploys metadata that also declares "${step.scope}"`, { deployed })
          break
        }
      }
      outcome = { status: 'ok', result }
    } catch (err) {
      outcome = outcomeOf(err)
    }
    record(index, step, outcome)
    if (outcome.status === 'error' || (outcome.status === 'rejected' && !step.mayFail)) break
  }
  // Background operations end before the scenario is judged (the World releases what it still holds).
  world.holds.close()
  await Promise.all(background)
}

function scenarioResult(
  scenario: Scenario,
  world: World | undefined,
  checks: Verdict[],
  started: number,
  options: RunOptions,
  reason?: string,
): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    family: scenario.family,
    requirements: scenario.requirements,
    profile: world?.profile.name ?? scenario.profile ?? options.profile ?? 'reference',
    topology: world?.topology ?? scenario.topology ?? options.topology ?? 'entryway',
    clientKind: scenario.client ?? 'public',
    verdict: worst(checks.map((c) => c.status)),
    durationMs: Date.now() - started,
    faults: scenario.faults ?? {},
    checks,
    reason,
    explain: { tests: scenario.explain.tests, why: scenario.explain.why, fix: scenario.explain.fix },
    // Raw here: runScenario redacts the whole result once, clientLog included.
    transcript: world ? [...world.transcript.entries] : [],
  }
}

function harnessVerdict(status: Status, id: string, title: string, reason: string): Verdict {
  return { status, checkId: id, title, requirement: { id: 'HARNESS', level: 'MUST' }, reason, evidence: [] }
}

/** Runs one scenario in a fresh World and judges it. Never throws: failures become ERROR verdicts. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const { result, goodPath, blame } = await runLogged(scenario, options)
  let judged = result
  if (goodPath && blame) judged = await applyBlame(scenario, judged, goodPath, blame, options)
  if (goodPath && goodPath.gated && expectationOf(judged)?.status !== 'INCONCLUSIVE') judged = await applyGate(judged, goodPath, options)
  // The one place secrets are redacted and client text is made safe, before any writer (or the console) sees it.
  return reportSafeResult(judged, { redact: !options.noRedact })
}

async function runLogged(scenario: Scenario, options: RunOptions): Promise<Judged> {
  let driver: Driver | undefined
  let judged = await runJudged(scenario, { ...options, driver: async () => (driver = await options.driver()) })
  if (judged === 'needs-https') judged = await runJudged(scenario, { ...options, https: true, driver: async () => (driver = await options.driver()) })
  if (judged === 'needs-https') throw new Error('unreachable: an https World asked for https')
  // The client's own log (a process's stderr), read once the driver is disposed, so it is complete.
  const clientLog = driver?.log?.()
  return clientLog ? { ...judged, result: { ...judged.result, clientLog } } : judged
}

/** The good path that shows a refused step is one the client can do: what it needs, and whether it gates the verdict. */
interface GoodPathRef {
  need: GoodPathNeed
  https: boolean
  /** The expectation's verdict counts only if the client completes this good path (negative scenarios, DESIGN §4). */
  gated: boolean
}

/** A judged scenario, the good path its expectation's verdict rests on (if any), and an always-on FAIL that may explain the refusal. */
interface Judged {
  result: ScenarioResult
  goodPath?: GoodPathRef
  blame?: Blame
}

/** What the client did on a good path in this run: whether every step completed, and which checks FAILed. */
interface GoodPathEvidence {
  id: string
  completed: boolean
  observed: string
  failed: ReadonlySet<string>
}

/** Good-path runs per driver factory, so a suite runs each good path at most once as evidence. */
const shownGoodPaths = new WeakMap<object, Map<string, Promise<GoodPathEvidence>>>()

/** Runs (once per driver factory and World kind) the shortest good path that shows `ref.need`; undefined if the catalog has none. */
async function goodPathEvidence(ref: GoodPathRef, options: RunOptions): Promise<GoodPathEvidence | undefined> {
  const good = goodPathFor(options.catalog ?? SCENARIOS, ref.need)
  if (!good) return undefined
  let cache = shownGoodPaths.get(options.driver)
  if (!cache) shownGoodPaths.set(options.driver, (cache = new Map()))
  const key = `${good.id} ${ref.need.topology} ${ref.need.profile} ${ref.https}`
  let shown = cache.get(key)
  if (!shown) {
    shown = runLogged(good, { ...options, topology: ref.need.topology, profile: ref.need.profile, https: ref.https }).then(({ result: r }) => {
      const steps = r.transcript.filter((e) => e.kind === 'step')
      const completed = steps.length === good.steps.length && steps.every((e) => e.kind === 'step' && e.outcome.status === 'ok')
      const failed = steps.find((e) => e.kind === 'step' && e.outcome.status !== 'ok')
      const observed = failed && failed.kind === 'step' && failed.outcome.status !== 'ok' ? `${failed.op} failed: ${failed.outcome.code}: ${failed.outcome.message}` : r.reason ?? r.verdict
      return { id: good.id, completed, observed, failed: new Set(r.checks.filter((c) => c.status === 'FAIL').map((c) => c.checkId)) }
    })
    cache.set(key, shown)
  }
  return shown
}

const expectationOf = (result: ScenarioResult): Verdict | undefined => result.checks.find((c) => c.checkId === EXPECTATION_CHECK_ID)

function withExpectation(result: ScenarioResult, change: (v: Verdict) => Verdict): ScenarioResult {
  const checks = result.checks.map((c) => (c.checkId === EXPECTATION_CHECK_ID ? change(c) : c))
  return { ...result, checks, verdict: worst(checks.map((c) => c.status)) }
}

/**
 * A step refused over a request an always-on check FAILs says nothing of the scenario's own requirement when the
 * client breaks that check anyway, with nothing wrong: the same check FAILs on its good path in this run (e.g. a
 * JSON-encoded PAR, refused by a strict AS before the DPoP algorithm under test is reached). The expectation is
 * then INCONCLUSIVE and the blame stays with that check. A FAIL that only this scenario's conditions bring out
 * (parallel refreshes replaying a token) is the scenario's finding, and stays.
 */
async function applyBlame(scenario: Scenario, result: ScenarioResult, ref: GoodPathRef, blame: Blame, options: RunOptions): Promise<ScenarioResult> {
  const evidence = await goodPathEvidence(ref, options)
  if (!evidence?.failed.has(blame.check.checkId)) return result
  const reason = `${blame.reason}, as it does on the good path ${evidence.id} in this run: ${scenario.requirements.map((r) => r.id).join(', ')} is not judged on this refusal`
  return withExpectation(result, (c) => ({ ...c, status: 'INCONCLUSIVE', reason, expected: undefined, fix: undefined }))
}

/**
 * Keeps the expectation's verdict only if the same client completes the good path through the refused step, in
 * this run; else it is INCONCLUSIVE (DESIGN §4). The good path runs once per driver factory and World kind.
 */
async function applyGate(result: ScenarioResult, ref: GoodPathRef, options: RunOptions): Promise<ScenarioResult> {
  const evidence = await goodPathEvidence(ref, options)
  if (evidence?.completed) return result
  const why = evidence
    ? `the verdict rests on the client refusing ${ref.need.ops.at(-1)}, but the same client does not complete the good path ${evidence.id} in this World (${evidence.observed}), so the refusal does not show it detected the fault`
    : `the verdict rests on the client refusing ${ref.need.ops.at(-1)}, and no good path of the catalog shows the client completes ${ref.need.ops.join(', ')} here`
  return withExpectation(result, (c) => ({ ...c, status: 'INCONCLUSIVE', reason: why, expected: undefined }))
}

async function runJudged(scenario: Scenario, options: RunOptions): Promise<Judged | 'needs-https'> {
  const started = Date.now()
  const ms = options.timeoutMs ?? 15_000
  let world: World | undefined
  let driver: Driver | undefined
  const skipped = (reason: string, id = 'scenario.capabilities', title = 'Client capabilities'): Judged => ({
    result: scenarioResult(scenario, world, [harnessVerdict('SKIP', id, title, reason)], started, options, reason),
  })
  const httpsHosts = reachesHttpsHosts(options)
  if (scenario.https === 'required' && !options.https) {
    if (!httpsHosts) return skipped('the scenario tests the production (https) configuration, and only in-process clients reach the World under https host names', 'scenario.https', 'The World can run under https host names')
    return 'needs-https'
  }
  try {
    // A scenario's own profile/topology is a requirement of the scenario; the run's options fill in the rest.
    // A World that cannot start is the machine's problem, not the client's: the run stops (EnvironmentError).
    world = await createWorld({
      profile: scenario.profile ?? options.profile,
      topology: scenario.topology ?? options.topology,
      faults: scenario.faults,
      https: options.https,
      maxRequests: REQUEST_BUDGET,
    }).catch((err: unknown) => {
      throw worldStartError(err)
    })
    const w = world
    driver = await options.driver()
    const ctx: DriverContext = {
      handleResolver: w.urls.identity,
      plcDirectoryUrl: w.urls.plcDirectory,
      redirectUri: LOOPBACK_REDIRECT_URI,
      clientOrigin: `https://${scenario.client === 'native' ? NATIVE_CLIENT_HOST : CLIENT_HOST}`,
      clientKind: scenario.client ?? 'public',
      publishKeysBy: scenario.publishKeysBy ?? 'jwks',
      hostDocument: (path, body) => w.host(path, { body }),
      allowHttp: !w.https,
      scenarioId: scenario.id,
      ...(scenario.clientScope ? { scope: scenario.clientScope } : {}),
      clock: { now: () => w.clientClock.now() },
    }
    const caps = await timeout(driver.init(ctx), ms, 'init')
    if (caps.httpsOnly && !w.https) {
      // Production-only clients get the https World they can speak to (in-process), or a reason (other drivers).
      if (httpsHosts) return 'needs-https'
      return skipped('the client speaks only https (httpsOnly), and only in-process clients reach the World under https host names')
    }
    const kindNeeds = scenario.client === 'confidential' ? (['confidential'] as const) : scenario.client === 'native' ? (['native'] as const) : []
    const missing = [
      ...(scenario.needs ?? []),
      ...kindNeeds,
      ...(scenario.clientScope ? ['granularScopes' as const] : []),
    ].filter(
      (c) => !caps[c],
    )
    if (missing.length > 0) {
      const clockHint = missing.includes('clientClock')
        ? ` (${findLibfaketime() ? 'an in-process adapter must read time from DriverContext.clock and report clientClock' : FAKETIME_MISSING})`
        : ''
      return skipped(`the client lacks ${missing.join(', ')}${clockHint}`)
    }
    await runSteps(w, driver, scenario, ms)
    const screenshots = await driver.artifacts?.().catch(() => undefined)
    const checkCtx: CheckContext = { transcript: w.transcript, scenario, urls: { issuer: w.urls.issuer, pds: w.urls.pds } }
    const primary = scenario.requirements[0] ?? { id: 'HARNESS', level: 'MUST' as const }
    // A step that crashed or timed out cut the transcript: no check judges what the client had not finished.
    const cut = w.transcript.steps().find((s) => s.outcome.status === 'error')
    const cutReason = cut && cut.outcome.status === 'error'
      ? `the transcript was cut at ${`step ${cut.step + 1} (${cut.op})`} by ${cut.outcome.code}: a check does not judge what the client had not finished`
      : undefined
    const judged = (judge: () => Finding): Finding => (cutReason ? { kind: 'skip', reason: cutReason } : judge())
    const alwaysOn = ALWAYS_ON_CHECKS.map((check) => toVerdict(check, judged(() => check.judge(checkCtx))))
    const expectation = judged(() => exercisedOrInconclusive(checkCtx, judgeExpectation(checkCtx)))
    const verdicts: Verdict[] = [
      // The expectation is the scenario's own check: the scenario's fix is its fix.
      toVerdict({ id: EXPECTATION_CHECK_ID, title: scenario.title, requirement: primary, fix: scenario.explain.fix }, expectation),
      ...alwaysOn,
    ]
    // A verdict that rests on a refusal counts only if the client completes the same steps on a good path; a
    // refusal over a request an always-on check FAILs is that check's doing if the good path FAILs it too.
    const through = expectation.kind === 'pass' || expectation.kind === 'fail' ? expectation.goodPathThrough : undefined
    const goodPath: GoodPathRef | undefined = through === undefined
      ? undefined
      : {
          need: {
            ops: opsThrough(scenario, through),
            clientKind: ctx.clientKind,
            needs: scenario.needs ?? [],
            ...(scenario.clientScope ? { clientScope: scenario.clientScope } : {}),
            topology: w.topology,
            profile: w.profile.name,
          },
          https: w.https,
          gated: !isGoodPath(scenario),
        }
    const blame = refusalBlame(checkCtx, expectation, alwaysOn)
    for (const step of w.transcript.steps()) {
      if (step.outcome.status === 'error') {
        verdicts.unshift(
          harnessVerdict('ERROR', 'harness.driver', 'The client answered every operation', `${step.outcome.code}: ${step.outcome.message}`),
        )
      }
    }
    for (const fault of w.harnessFaults) {
      verdicts.unshift(
        harnessVerdict('ERROR', 'harness.mock', 'The mock servers worked', `internal error in ${fault.where}: ${(fault.error as Error)?.message ?? fault.error}`),
      )
    }
    if (w.requestBudget.refused > 0) {
      const { limit, refused } = w.requestBudget
      verdicts.unshift(
        harnessVerdict('ERROR', 'harness.flood', 'The client sent a bounded number of requests', `the client flooded the mock servers: ${limit + refused} requests in one scenario, more than the ${limit} a World serves; the ${refused} beyond were refused with 429`),
      )
    }
    return { result: { ...scenarioResult(scenario, w, verdicts, started, options), ...(screenshots?.length ? { screenshots } : {}) }, goodPath, ...(blame ? { blame } : {}) }
  } catch (err) {
    if (err instanceof EnvironmentError) throw err
    if (err instanceof DriverUnavailable) return skipped(err.message, 'harness.driver', 'The driver can run here')
    const o = outcomeOf(err)
    const reason = `${o.status === 'error' ? o.code : 'ERR_DRIVER_CRASH'}: ${'message' in o ? o.message : ''}`
    return { result: scenarioResult(scenario, world, [harnessVerdict('ERROR', 'harness.run', 'The scenario ran', reason)], started, options, reason) }
  } finally {
    // A client that hangs in dispose too must not hang the run.
    const d = driver
    if (d) await timeout(Promise.resolve().then(() => d.dispose()), ms, 'dispose').catch(() => undefined)
    await world?.close()
  }
}

/**
 * Runs scenarios (optionally in parallel) and builds the run report. Throws an EnvironmentError (and no report)
 * when a World cannot start: the machine failed, not the client.
 */
export async function runSuite(options: RunOptions): Promise<RunReport> {
  const startedAt = new Date()
  const results: ScenarioResult[] = new Array(options.scenarios.length)
  const total = options.scenarios.length
  let next = 0
  // The first World that cannot start stops the run: the other workers finish their scenario, then it is thrown.
  let environment: EnvironmentError | undefined
  const worker = async () => {
    while (next < total && !options.signal?.aborted && !environment) {
      const index = next++
      const scenario = options.scenarios[index]!
      options.onScenarioStart?.(scenario, index, total)
      let result: ScenarioResult
      try {
        result = await runScenario(scenario, options)
      } catch (err) {
        if (!(err instanceof EnvironmentError)) throw err
        environment ??= err
        return
      }
      results[index] = result
      options.onScenarioEnd?.(result, index, total)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, total)) }, worker))
  if (environment) throw environment
  const interrupted = next < total
  for (let i = next; i < total; i++) {
    const s = options.scenarios[i]!
    results[i] = scenarioResult(s, undefined, [harnessVerdict('SKIP', 'harness.interrupted', 'The scenario ran', 'run interrupted')], Date.now(), options, 'run interrupted')
  }
  const totals = { ...tally(results.map((r) => r.verdict)), scenarios: total }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'atproto-oauth-conformance', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    client: { name: options.clientName, driver: options.driverKind ?? 'in-process' },
    profile: options.profile,
    topology: options.topology,
    redacted: !options.noRedact,
    ...(interrupted ? { incomplete: true as const } : {}),
    totals,
    scenarios: results,
    coverage: reportCoverage(REQUIREMENTS.values(), options.scenarios, ALWAYS_ON_CHECKS, loadExclusions()),
  }
}

/** Whether a run fails the build: any FAIL or ERROR. */
export function runFailed(report: RunReport): boolean {
  return report.scenarios.some((s) => SEVERITY[s.verdict] >= SEVERITY.FAIL)
}
