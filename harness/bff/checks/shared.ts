import { param, responseJson } from '../../check.ts'
import { isNonceChallenge } from '../../nonce-trail.ts'
import type { Exchange, Transcript } from '../../../model/transcript.ts'
import { fail, pass, skip, type Finding } from '../../../model/verdict.ts'
import type { RequirementRef } from '../../../model/requirement.ts'
import { parseSetCookie } from '../cookies.ts'
import type { BffDeclaration } from '../declaration.ts'
import type { BffScenario, BffStep, Credential } from '../scenario.ts'

/** Shared by the BFF checks: their context, and what they read from the transcript. */

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
  /** How to fix a backend that fails this check: shown under its FAIL or WARN in every report. */
  fix: string
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

export const backendExchanges = (t: Transcript, step?: number) =>
  t.exchanges({ server: 'backend', actor: 'frontend' }).filter((e) => step === undefined || e.step === step)

export const pdsCalls = (t: Transcript, step: number) =>
  t.exchanges({ server: 'pds', actor: 'client' }).filter((e) => e.step === step && e.request.path.startsWith('/xrpc/'))

/** The backend's grants at the AS (nonce challenges aside) in one step, or all of them. */
export function grants(t: Transcript, type: 'refresh_token' | 'authorization_code', step?: number): Exchange[] {
  return t
    .exchanges({ server: 'as', actor: 'client', method: 'POST', path: '/oauth/token' })
    .filter((e) => param(e, 'grant_type') === type && !isNonceChallenge(e) && (step === undefined || e.step === step))
}

export function stepsWith(scenario: BffScenario, credentials: Credential[]): number[] {
  return scenario.steps.flatMap((s, i) => ((s.op === 'api' || s.op === 'refresh') && credentials.includes(s.credential ?? 'session') ? [i] : []))
}

export const stepLabel = (scenario: BffScenario, i: number) => {
  const s = scenario.steps[i] as BffStep & { credential?: Credential }
  return `step ${i + 1} (${s.op}${s.credential ? ` with ${s.credential}` : ''})`
}

/**
 * The shared judgement of a borrowed credential: the backend must refuse with a 4xx, and must neither
 * refresh nor call the PDS for the request.
 */
export function refusedWithoutUse(ctx: BffCheckContext, steps: number[], what: string): Finding {
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
export function sentToFrontend(ex: Exchange): string {
  const raw = `${JSON.stringify(ex.response.headers)}\n${ex.response.body ?? ''}`
  try {
    return `${raw}\n${decodeURIComponent(raw)}`
  } catch {
    return raw
  }
}






/** A cookie as a verdict may show it: name and attributes, never the session value. */
export const shown = (c: { name: string; raw: string }) => `${c.name}=…${c.raw.slice(c.raw.indexOf(';') < 0 ? c.raw.length : c.raw.indexOf(';'))}`

export function setCookies(t: Transcript) {
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





/** `scheme://host/path` of a URL, also for chrome-extension: URLs whose `origin` is "null". */
export const base = (u: URL) => `${u.protocol}//${u.host}${u.pathname}`




export function stepsAfterLogout(scenario: BffScenario): { logout: number; after: number[] } | undefined {
  const logout = scenario.steps.findIndex((s) => s.op === 'logout')
  if (logout < 0) return undefined
  const after = scenario.steps.flatMap((s, i) => (i > logout && s.op === 'api' && ['session', 'stale-session'].includes(s.credential ?? 'session') ? [i] : []))
  return { logout, after }
}


