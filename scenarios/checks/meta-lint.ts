import { defineCheck, responseJson, type Check } from '../../harness/check.ts'
import type { RequirementRef } from '../../harness/scenario.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** One rule over the client metadata documents the AS fetched from the client's host. */
function metaRule(
  id: string,
  requirement: RequirementRef,
  title: string,
  expected: string,
  problem: (doc: Record<string, unknown>) => string | undefined,
): Readonly<Check> {
  return defineCheck({
    id,
    requirement,
    title,
    judge({ transcript }) {
      const docs = transcript
        .exchanges({ server: 'client-host' })
        .filter((e) => e.response.status === 200 && e.request.path.endsWith('client-metadata.json'))
        .map((e): [Exchange, Record<string, unknown> | undefined] => [e, responseJson(e)])
      if (docs.length === 0) return skip('no client metadata document was fetched (loopback client)')
      for (const [ex, doc] of docs) {
        const why = doc ? problem(doc) : 'the document is not a JSON object'
        if (why) return fail({ expected, observed: `${why} in the document served at ${ex.request.url} (${ex.ref})`, evidence: [ex.ref] })
      }
      return pass()
    },
  })
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined)

export const metaGrantTypes = metaRule(
  'meta.grant-types',
  { id: 'META-05', level: 'MUST' },
  'Client metadata grant_types include authorization_code (and refresh_token)',
  'grant_types with "authorization_code" and "refresh_token"',
  (doc) => {
    const g = strings(doc.grant_types)
    return g?.includes('authorization_code') && g.includes('refresh_token') ? undefined : `grant_types ${JSON.stringify(doc.grant_types)}`
  },
)

export const metaResponseTypes = metaRule(
  'meta.response-types',
  { id: 'META-06', level: 'MUST' },
  'Client metadata response_types include code',
  'response_types with "code"',
  (doc) => (strings(doc.response_types)?.includes('code') ? undefined : `response_types ${JSON.stringify(doc.response_types)}`),
)

export const metaRedirectUris = metaRule(
  'meta.redirect-uris',
  { id: 'META-07', level: 'MUST' },
  'Client metadata redirect_uris are non-empty and fit the application_type',
  'a non-empty redirect_uris whose entries are https for web clients (custom scheme or loopback IP for native)',
  (doc) => {
    const uris = strings(doc.redirect_uris)
    if (!uris?.length) return 'no redirect_uris'
    if ((doc.application_type ?? 'web') === 'web') {
      const bad = uris.find((u) => !u.startsWith('https://'))
      if (bad) return `the web client's redirect URI ${bad} is not https`
    }
    return undefined
  },
)

export const metaJwks = metaRule(
  'meta.jwks',
  { id: 'META-10', level: 'MUST' },
  'Published keys are public JWKs with a kid; jwks_uri is https',
  '"jwks": {"keys": [...]} of public keys with kid, or an https jwks_uri',
  (doc) => {
    if (doc.jwks_uri !== undefined && !String(doc.jwks_uri).startsWith('https://')) return `jwks_uri ${JSON.stringify(doc.jwks_uri)}`
    if (doc.jwks === undefined) return undefined
    const keys = (doc.jwks as { keys?: unknown }).keys
    if (!Array.isArray(keys)) return 'jwks without a keys array'
    const bad = keys.find((k) => typeof k !== 'object' || k === null || typeof (k as { kid?: unknown }).kid !== 'string' || 'd' in (k as object))
    return bad ? `key ${JSON.stringify(bad).slice(0, 80)} (no kid, or private)` : undefined
  },
)
