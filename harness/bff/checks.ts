import { accessTokenOf, param, responseJson } from '../check.ts'
import { isNonceChallenge } from '../nonce-trail.ts'
import { headerValue, type Exchange, type NoteEvent, type Transcript } from '../../model/transcript.ts'
import { fail, pass, skip, type Finding } from '../../model/verdict.ts'
import type { RequirementRef } from '../../model/requirement.ts'
import { parseSetCookie } from './cookies.ts'
import type { BffDeclaration } from './declaration.ts'
import { locationOf } from './frontend.ts'
import type { BffScenario, BffStep, Credential } from './scenario.ts'

/** What a BFF check may look at: the transcript, the scenario and the backend's declaration. No I/O. */
export interface BffCheckContext {
  transcript: Transcript
  scenario: BffScenario
  declaration: BffDeclaration
  issuer: string
  /** The backend's public origin (`https://client.test`). */
  publicUrl: string
  /** DIDs of the `main` frontend's user (alice) and the `other` frontend's (bob). */
  dids: { main: string; other: string }
}

export interface BffCheck {
  id: string
  requirement: RequirementRef
  title: string
  judge(ctx: BffCheckContext): Finding
}

/** Note the runner writes after a logout step: what the mock AS holds for the sessions it issued. */
export const AS_STATE_NOTE = 'the mock AS reports its token sessions'

/** Token values the AS handed the backend (code and refresh grants), with the account they belong to. */
export function mintedTokens(t: Transcript): Map<string, { kind: 'access token' | 'refresh token'; sub: string; ref: string }> {
  const out = new Map<string, { kind: 'access token' | 'refresh token'; sub: string; ref: string }>()
  for (const ex of t.exchanges({ server: 'as', path: '/oauth/token' })) {
    if (ex.response.status !== 200) continue
    const body = responseJson(ex)
    const sub = typeof body?.sub === 'string' ? body.sub : ''
    if (typeof body?.access_token === 'string') out.set(body.access_token, { kind: 'access token', sub, ref: ex.ref })
    if (typeof body?.refresh_token === 'string') out.set(body.refresh_token, { kind: 'refresh token', sub, ref: ex.ref })
  }
  return out
}

const backendExchanges = (t: Transcript, step?: number) =>
  t.exchanges({ server: 'backend', actor: 'frontend' }).filter((e) => step === undefined || e.step === step)

const pdsCalls = (t: Transcript, step: number) =>
  t.exchanges({ server: 'pds', actor: 'client' }).filter((e) => e.step === step && e.request.path.startsWith('/xrpc/'))

/** The backend's grants at the AS (nonce challenges aside) in one step, or all of them. */
export function grants(t: Transcript, type: 'refresh_token' | 'authorization_code', step?: number): Exchange[] {
  return t
    .exchanges({ server: 'as', actor: 'client', method: 'POST', path: '/oauth/token' })
    .filter((e) => param(e, 'grant_type') === type && !isNonceChallenge(e) && (step === undefined || e.step === step))
}

function stepsWith(scenario: BffScenario, credentials: Credential[]): number[] {
  return scenario.steps.flatMap((s, i) => ((s.op === 'api' || s.op === 'refresh') && credentials.includes(s.credential ?? 'session') ? [i] : []))
}

const stepLabel = (scenario: BffScenario, i: number) => {
  const s = scenario.steps[i] as BffStep & { credential?: Credential }
  return `step ${i + 1} (${s.op}${s.credential ? ` with ${s.credential}` : ''})`
}

/**
 * The shared judgement of a borrowed credential: the backend must refuse with a 4xx, and must neither
 * refresh nor call the PDS for the request.
 */
function refusedWithoutUse(ctx: BffCheckContext, steps: number[], what: string): Finding {
  if (steps.length === 0) return skip(`the scenario sends no request with ${what}`)
  const evidence: string[] = []
  for (const i of steps) {
    const answers = backendExchanges(ctx.transcript, i)
    const accepted = answers.filter((e) => e.response.status < 400 || e.response.status >= 500)
    const used = [...pdsCalls(ctx.transcript, i), ...grants(ctx.transcript, 'refresh_token', i)]
    if (accepted.length > 0 || used.length > 0) {
      return fail({
        expected: `a request with ${what} is refused (4xx) with no refresh and no PDS call`,
        observed:
          `${stepLabel(ctx.scenario, i)}: ` +
          [
            ...accepted.map((e) => `the backend answered ${e.response.status} (${e.ref})`),
            ...used.map((e) => `it sent ${e.request.method} ${e.request.path} (${e.ref})`),
          ].join('; '),
        evidence: [...accepted, ...used].map((e) => e.ref),
      })
    }
    evidence.push(...answers.map((e) => e.ref))
  }
  return pass(`refused with no refresh and no PDS call (${steps.map((i) => stepLabel(ctx.scenario, i)).join(', ')})`, evidence)
}

/** Everything the backend sent the frontend in one exchange, as one searchable string. */
function sentToFrontend(ex: Exchange): string {
  const raw = `${JSON.stringify(ex.response.headers)}\n${ex.response.body ?? ''}`
  try {
    return `${raw}\n${decodeURIComponent(raw)}`
  } catch {
    return raw
  }
}

const noTokenToFrontend: BffCheck = {
  id: 'bff.no-token-to-frontend',
  requirement: { id: 'BFF-01', level: 'MUST' },
  title: 'No atproto access or refresh token reaches the frontend',
  judge({ transcript }) {
    const minted = mintedTokens(transcript)
    if (minted.size === 0) return skip('the AS issued no tokens')
    const answers = backendExchanges(transcript)
    for (const ex of answers) {
      const haystack = sentToFrontend(ex)
      for (const [value, token] of minted) {
        if (haystack.includes(value)) {
          const where = locationOf(ex)?.includes(value) ? 'in the redirect URL' : JSON.stringify(ex.response.headers).includes(value) ? 'in a header' : 'in the body'
          return fail({
            expected: 'the tokens stay in the backend; the frontend holds only a session with it',
            observed: `the backend sent the ${token.kind} the AS issued at ${token.ref} to the frontend ${where} (${ex.request.method} ${ex.request.path}, ${ex.ref})`,
            evidence: [token.ref, ex.ref],
          })
        }
      }
    }
    return pass(`none of the ${minted.size} token values the AS issued appears in the ${answers.length} answers to the frontend`)
  },
}

const didNotCredential: BffCheck = {
  id: 'bff.did-not-credential',
  requirement: { id: 'BFF-02', level: 'MUST' },
  title: 'A DID without a session gets nothing',
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['did', 'other-did']), 'only a DID and no session'),
}

const sessionRequired: BffCheck = {
  id: 'bff.session-required',
  requirement: { id: 'BFF-03', level: 'MUST' },
  title: "Requests need the frontend's session, and a session acts only for its own user",
  judge(ctx) {
    const none = refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['none']), 'no credential')
    if (none.kind === 'fail') return none
    const minted = mintedTokens(ctx.transcript)
    const crossSteps = stepsWith(ctx.scenario, ['other-session'])
    for (const i of crossSteps) {
      for (const ex of pdsCalls(ctx.transcript, i)) {
        const token = accessTokenOf(ex) ?? headerValue(ex.request.headers, 'authorization')?.replace(/^\S+\s+/, '')
        const owner = token ? minted.get(token)?.sub : undefined
        if (owner && owner !== ctx.dids.other) {
          return fail({
            expected: `a request with the other user's session (${ctx.dids.other}) naming ${ctx.dids.main} acts only as ${ctx.dids.other}`,
            observed: `the backend called the PDS with ${owner}'s access token (${ex.ref})`,
            evidence: [ex.ref],
          })
        }
      }
    }
    if (none.kind === 'skip' && crossSteps.length === 0) return none
    return pass('requests without a session were refused; a session acted only for its own user')
  },
}

const originChecked: BffCheck = {
  id: 'bff.origin-checked',
  requirement: { id: 'BFF-04', level: 'MUST' },
  title: "Requests from another origin are refused even with the session's credential",
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['other-origin']), `the session's credential from ${'another origin'}`),
}

const corsFrontendOnly: BffCheck = {
  id: 'bff.cors-frontend-only',
  requirement: { id: 'BFF-05', level: 'MUST' },
  title: 'CORS is granted only to the registered frontend origin',
  judge({ transcript, declaration }) {
    const foreign = backendExchanges(transcript).filter((e) => {
      const origin = headerValue(e.request.headers, 'origin')
      return origin !== undefined && origin !== declaration.frontend.origin && headerValue(e.request.headers, 'sec-fetch-mode') === 'cors'
    })
    if (foreign.length === 0) return skip('no request came from another origin')
    for (const ex of foreign) {
      const allowed = headerValue(ex.response.headers, 'access-control-allow-origin')
      const origin = headerValue(ex.request.headers, 'origin')!
      if (allowed === '*' || allowed === origin) {
        return fail({
          expected: `Access-Control-Allow-Origin only for ${declaration.frontend.origin}`,
          observed: `the backend answered ${origin} with Access-Control-Allow-Origin: ${allowed}` +
            `${headerValue(ex.response.headers, 'access-control-allow-credentials') === 'true' ? ' and credentials allowed' : ''} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`no CORS grant for another origin in ${foreign.length} request(s)`, foreign.map((e) => e.ref))
  },
}

/** A cookie as a verdict may show it: name and attributes, never the session value. */
const shown = (c: { name: string; raw: string }) => `${c.name}=…${c.raw.slice(c.raw.indexOf(';') < 0 ? c.raw.length : c.raw.indexOf(';'))}`

function setCookies(t: Transcript) {
  return backendExchanges(t).flatMap((ex) => {
    const raw = ex.response.headers['set-cookie']
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
    return list.flatMap((r) => {
      const c = parseSetCookie(r)
      // A cookie being deleted carries no session: its attributes do not matter.
      const deleting = c && ((c.attributes['max-age'] !== undefined && Number(c.attributes['max-age']) <= 0) || c.value === '')
      return c && !deleting ? [{ cookie: c, ex }] : []
    })
  })
}

const cookieSecure: BffCheck = {
  id: 'bff.cookie-httponly-secure',
  requirement: { id: 'BFF-06', level: 'MUST' },
  title: 'Session cookies are HttpOnly and Secure',
  judge({ transcript }) {
    const cookies = setCookies(transcript)
    if (cookies.length === 0) return skip('the backend set no cookie')
    for (const { cookie, ex } of cookies) {
      const missing = ['httponly', 'secure'].filter((a) => !(a in cookie.attributes))
      if (missing.length > 0) {
        return fail({
          expected: 'every cookie the backend sets carries HttpOnly and Secure',
          observed: `cookie ${cookie.name} lacks ${missing.map((m) => (m === 'httponly' ? 'HttpOnly' : 'Secure')).join(' and ')}: ${shown(cookie)} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${cookies.length} cookie(s), all HttpOnly and Secure`, cookies.map((c) => c.ex.ref))
  },
}

const cookiePrefix: BffCheck = {
  id: 'bff.cookie-host-samesite',
  requirement: { id: 'BFF-07', level: 'SHOULD' },
  title: 'Session cookies use the __Host- prefix and SameSite Strict or Lax',
  judge({ transcript }) {
    const cookies = setCookies(transcript)
    if (cookies.length === 0) return skip('the backend set no cookie')
    for (const { cookie, ex } of cookies) {
      const sameSite = cookie.attributes.samesite?.toLowerCase()
      const problems = [
        ...(cookie.name.startsWith('__Host-') ? [] : ['no __Host- prefix']),
        ...(cookie.name.startsWith('__Host-') && (cookie.attributes.path !== '/' || 'domain' in cookie.attributes) ? ['__Host- without Path=/ or with Domain'] : []),
        ...(sameSite === 'strict' || sameSite === 'lax' ? [] : [`SameSite ${cookie.attributes.samesite ?? 'missing'}`]),
      ]
      if (problems.length > 0) {
        return fail({
          expected: 'cookies named __Host-… (Path=/, no Domain) with SameSite=Strict or Lax',
          observed: `cookie ${cookie.name}: ${problems.join(', ')} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${cookies.length} cookie(s), all __Host- with SameSite Strict/Lax`)
  },
}

const noTokenConfusion: BffCheck = {
  id: 'bff.no-token-confusion',
  requirement: { id: 'BFF-08', level: 'MUST' },
  title: 'A PDS access token is not accepted as a credential of the backend',
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['pds-token']), "the user's PDS access token in place of a session"),
}

const loginCsrf: BffCheck = {
  id: 'bff.login-csrf',
  requirement: { id: 'BFF-09', level: 'MUST' },
  title: 'An authorization response is accepted only in the browser that started the login',
  judge({ transcript, scenario, declaration }) {
    const steps = scenario.steps.flatMap((s, i) => (s.op === 'crossCallback' ? [i] : []))
    if (steps.length === 0) return skip('the scenario delivers no foreign authorization response')
    for (const i of steps) {
      const exchanged = grants(transcript, 'authorization_code', i)
      const answers = backendExchanges(transcript, i)
      const handedOver = answers.find((e) => {
        if (declaration.session.carrier === 'cookie') {
          const name = declaration.session.name
          return setCookies(transcript).some((c) => c.ex === e && c.cookie.name === name)
        }
        const location = locationOf(e)
        return !!location && location.includes(`${declaration.session.param}=`)
      })
      if (exchanged.length > 0 || handedOver) {
        return fail({
          expected: 'the backend refuses an authorization response this browser did not start: no code exchange, no session',
          observed: [
            ...exchanged.map((e) => `it exchanged the code (${e.ref})`),
            ...(handedOver ? [`it handed this browser a session (${handedOver.ref})`] : []),
          ].join('; '),
          evidence: [...exchanged.map((e) => e.ref), ...(handedOver ? [handedOver.ref] : [])],
        })
      }
    }
    return pass('the foreign authorization response was refused before the code exchange')
  },
}

/** `scheme://host/path` of a URL, also for chrome-extension: URLs whose `origin` is "null". */
const base = (u: URL) => `${u.protocol}//${u.host}${u.pathname}`

const noOpenRedirect: BffCheck = {
  id: 'bff.no-open-redirect',
  requirement: { id: 'BFF-10', level: 'MUST' },
  title: 'The backend redirects only to the AS, itself and the registered frontend redirect',
  judge({ transcript, declaration, issuer, publicUrl }) {
    const redirects = backendExchanges(transcript).filter((e) => locationOf(e))
    if (redirects.length === 0) return skip('the backend sent no redirect')
    const frontend = base(new URL(declaration.frontend.redirectUri))
    for (const ex of redirects) {
      const target = new URL(locationOf(ex)!, publicUrl)
      const ok = target.origin === new URL(issuer).origin || target.origin === new URL(publicUrl).origin || base(target) === frontend
      if (!ok) {
        return fail({
          expected: `redirects only to the AS, the backend itself or ${declaration.frontend.redirectUri}`,
          observed: `the backend redirected to ${base(target)} (${ex.request.method} ${ex.request.path}, ${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${redirects.length} redirect(s), all to allowed targets`)
  },
}

const singleFlight: BffCheck = {
  id: 'bff.single-flight-refresh',
  requirement: { id: 'BFF-11', level: 'MUST' },
  title: 'Concurrent frontend requests during expiry cause one refresh grant',
  judge({ transcript, scenario }) {
    const steps = scenario.steps.flatMap((s, i) => (s.op === 'api' && (s.parallel ?? 1) > 1 ? [i] : []))
    if (steps.length === 0) return skip('the scenario sends no concurrent requests')
    let seen = 0
    for (const i of steps) {
      const refreshes = grants(transcript, 'refresh_token', i)
      seen += refreshes.length
      if (refreshes.length > 1) {
        return fail({
          expected: 'one refresh grant for concurrent requests; the others wait for it',
          observed: `${refreshes.length} refresh grants in ${stepLabel(scenario, i)}: ${refreshes.map((e) => e.ref).join(', ')}`,
          evidence: refreshes.map((e) => e.ref),
        })
      }
    }
    return seen > 0 ? pass('one refresh grant served the concurrent requests') : skip('no refresh happened during the concurrent requests')
  },
}

const invalidGrantLogsOut: BffCheck = {
  id: 'bff.invalid-grant-logs-out',
  requirement: { id: 'BFF-12', level: 'MUST' },
  title: 'A refresh answered invalid_grant reaches the frontend as logged out, without retries',
  judge({ transcript }) {
    const refused = grants(transcript, 'refresh_token').find((e) => responseJson(e)?.error === 'invalid_grant')
    if (!refused) return skip('no refresh was answered invalid_grant')
    const answers = backendExchanges(transcript, refused.step).filter((e) => e.startTick < refused.startTick && e.endTick > refused.endTick)
    const bad = answers.find((e) => e.response.status < 400 || e.response.status >= 500)
    if (bad) {
      return fail({
        expected: 'the frontend sees a 4xx (logged out, e.g. 401) for the request whose refresh was refused',
        observed: `the backend answered ${bad.response.status} (${bad.ref}) after the AS refused the refresh at ${refused.ref}`,
        evidence: [refused.ref, bad.ref],
      })
    }
    const dead = param(refused, 'refresh_token')
    const retries = grants(transcript, 'refresh_token').filter((e) => e.seq > refused.seq && param(e, 'refresh_token') === dead)
    if (retries.length > 0) {
      return fail({
        expected: 'the refused refresh token is dropped, never sent again',
        observed: `the backend sent it again: ${retries.map((e) => e.ref).join(', ')}`,
        evidence: [refused.ref, ...retries.map((e) => e.ref)],
      })
    }
    return pass(`the frontend got ${answers.map((e) => e.response.status).join(', ')}; the refresh token was not retried`, [refused.ref])
  },
}

function stepsAfterLogout(scenario: BffScenario): { logout: number; after: number[] } | undefined {
  const logout = scenario.steps.findIndex((s) => s.op === 'logout')
  if (logout < 0) return undefined
  const after = scenario.steps.flatMap((s, i) => (i > logout && s.op === 'api' && ['session', 'stale-session'].includes(s.credential ?? 'session') ? [i] : []))
  return { logout, after }
}

const logoutEndsSession: BffCheck = {
  id: 'bff.logout-ends-session',
  requirement: { id: 'BFF-13', level: 'MUST' },
  title: 'After logout the frontend credential no longer works',
  judge(ctx) {
    const l = stepsAfterLogout(ctx.scenario)
    if (!l || l.after.length === 0) return skip('no API call follows a logout')
    return refusedWithoutUse(ctx, l.after, 'the credential of a logged-out session')
  },
}

const logoutRevokes: BffCheck = {
  id: 'bff.logout-revokes',
  requirement: { id: 'BFF-14', level: 'SHOULD' },
  title: 'Logout revokes the grant at the AS',
  judge({ transcript, scenario }) {
    const l = stepsAfterLogout(scenario)
    if (!l) return skip('the scenario does not log out')
    const revokes = transcript.exchanges({ server: 'as', actor: 'client', path: '/oauth/revoke' }).filter((e) => e.step === l.logout)
    const state = transcript.entries.find((e): e is NoteEvent => e.kind === 'note' && e.step === l.logout && e.text === AS_STATE_NOTE)
    const sessions = (state?.data as { sessions?: { sub: string; revoked: boolean }[] } | undefined)?.sessions ?? []
    const live = sessions.filter((s) => !s.revoked)
    if (live.length > 0 || sessions.length === 0) {
      return fail({
        expected: 'logout revokes the refresh token at the AS (POST /oauth/revoke with the session DPoP key)',
        observed: `${revokes.length ? `the backend sent ${revokes.map((e) => `${e.request.path} → ${e.response.status} (${e.ref})`).join(', ')}, but` : 'the backend sent no revocation;'} the AS still holds ${live.length} live session(s) for ${[...new Set(live.map((s) => s.sub))].join(', ') || 'the user'}`,
        evidence: [...revokes.map((e) => e.ref), ...(state ? [state.ref] : [])],
      })
    }
    return pass(`the AS shows ${sessions.length} session(s) revoked`, [...revokes.map((e) => e.ref), ...(state ? [state.ref] : [])])
  },
}

/** Every BFF check; each runs on every BFF scenario and skips when the scenario does not exercise it. */
export const BFF_CHECKS: readonly BffCheck[] = [
  noTokenToFrontend,
  didNotCredential,
  sessionRequired,
  originChecked,
  corsFrontendOnly,
  cookieSecure,
  cookiePrefix,
  noTokenConfusion,
  loginCsrf,
  noOpenRedirect,
  singleFlight,
  invalidGrantLogsOut,
  logoutEndsSession,
  logoutRevokes,
]
