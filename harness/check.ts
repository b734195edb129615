import type { Scenario, RequirementRef } from './scenario.ts'
import { headerValue, type Exchange, type Transcript } from '../model/transcript.ts'
import type { Finding } from '../model/verdict.ts'

/** What a check may look at: the transcript and the scenario. No I/O, no clock. */
export interface CheckContext {
  transcript: Transcript
  scenario: Scenario
  urls: { issuer: string; pds: string }
}

/** A named check tied to one requirement; a pure function of the transcript. */
export interface Check {
  /** `family.what`, e.g. `dpop.fresh-jti`. */
  id: string
  requirement: RequirementRef
  /** Further requirements the same observation exercises (shown in coverage; verdicts cite `requirement`). */
  alsoCovers?: string[]
  title: string
  /** How to fix a client that fails this check: shown under its FAIL or WARN in every report. */
  fix: string
  judge(ctx: CheckContext): Finding
}

/** Type-checks and freezes a check definition. */
export function defineCheck(check: Check): Readonly<Check> {
  return Object.freeze(check)
}

/** The client's own requests to the AS (by path prefix), in order. */
export function asRequests(t: Transcript, path?: string): Exchange[] {
  return t
    .exchanges({ actor: 'client' })
    .filter((e) => (e.server === 'as' || e.request.path.startsWith('/oauth/')) && (path === undefined || e.request.path === path))
}

/** The client's own XRPC requests to the PDS. */
export function pdsRequests(t: Transcript): Exchange[] {
  return t.exchanges({ actor: 'client', server: 'pds' }).filter((e) => e.request.path.startsWith('/xrpc/'))
}

/** A string parameter of a form or JSON request body. */
export function param(ex: Exchange, name: string): string | undefined {
  const v = ex.request.params?.[name]
  return typeof v === 'string' ? v : undefined
}

/** The parsed JSON response body, or undefined. */
export function responseJson(ex: Exchange): Record<string, unknown> | undefined {
  if (!ex.response.body) return undefined
  try {
    const v = JSON.parse(ex.response.body)
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `METHOD path` of an exchange, for messages. */
export function describe(ex: Exchange): string {
  return `${ex.request.method} ${ex.request.path} (${ex.ref})`
}

/** The `DPoP <token>` access token of a PDS request, if any. */
export function accessTokenOf(ex: Exchange): string | undefined {
  const auth = headerValue(ex.request.headers, 'authorization')
  const m = auth ? /^dpop (.+)$/i.exec(auth) : null
  return m?.[1]
}
