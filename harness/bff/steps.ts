import { HarnessError } from '../../protocol/errors.ts'
import { realClock } from '../../model/clock.ts'
import { fail, pass, type Finding } from '../../model/verdict.ts'
import type { StepOutcome } from '../../model/transcript.ts'
import { CLIENT_HOST, type World } from '../world.ts'
import type { BrowserFrontendLogin } from './browser-login.ts'
import { AS_STATE_NOTE, mintedTokens } from './checks/index.ts'
import type { CookieJar } from './cookies.ts'
import type { BffDeclaration } from './declaration.ts'
import { FOREIGN_ORIGIN, Frontend, LoginRefused, REDIRECT_PARAMS, type FrontendRequest } from './frontend.ts'
import { stepExpect, type BffScenario, type BffStep, type Credential } from './scenario.ts'

/** The backend's public origin as the AS and the browser see it; its client_id and redirect URI live under it. */
export const PUBLIC_URL = `https://${CLIENT_HOST}`
const ok = (status: number) => status >= 200 && status < 400

/** Plays one scenario's steps; stops after a step that had to succeed and did not. */
export class StepPlayer {
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
export function judgeSteps(scenario: BffScenario, world: World): Finding {
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
