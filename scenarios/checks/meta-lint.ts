import { defineCheck, responseJson, type Check } from '../../harness/check.ts'
import type { RequirementRef } from '../../harness/scenario.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** One rule over the client metadata documents the AS fetched from the client's host. */
function metaRule(
  id: string,
  requirement: RequirementRef,
  title: string,
  fix: string,
  expected: string,
  problem: (doc: Record<string, unknown>) => string | undefined,
): Readonly<Check> {
  return defineCheck({
    id,
    requirement,
    title,
    fix,
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
  'List authorization_code and refresh_token in the metadata grant_types.',
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
  'List code in the metadata response_types.',
  'response_types with "code"',
  (doc) => (strings(doc.response_types)?.includes('code') ? undefined : `response_types ${JSON.stringify(doc.response_types)}`),
)

export const metaRedirectUris = metaRule(
  'meta.redirect-uris',
  { id: 'META-07', level: 'MUST' },
  'Client metadata redirect_uris are non-empty and fit the application_type',
  'Publish at least one redirect URI: https for web clients; a custom scheme or a loopback IP for native apps.',
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
  'Publish only public keys (no d, p, q...), each with a kid, inline in jwks or at an https jwks_uri.',
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

const customSchemes = (doc: Record<string, unknown>): string[] =>
  (strings(doc.redirect_uris) ?? []).filter((u) => !/^https?:/i.test(u))
const isNative = (doc: Record<string, unknown>) => doc.application_type === 'native'

export const metaApplicationType = metaRule(
  'meta.application-type',
  { id: 'META-08', level: 'MUST' },
  'application_type is web or native, and native when a redirect URI has a custom scheme',
  'Set application_type to web or native, and to native when a redirect URI uses a custom scheme.',
  'application_type "web" or "native" (default web); "native" for custom-scheme redirect URIs',
  (doc) => {
    const type = doc.application_type ?? 'web'
    if (type !== 'web' && type !== 'native') return `application_type ${JSON.stringify(doc.application_type)}`
    const custom = customSchemes(doc)
    return custom.length > 0 && type !== 'native' ? `custom-scheme redirect ${custom[0]} with application_type ${JSON.stringify(type)}` : undefined
  },
)

export const metaNativeAuthNone = metaRule(
  'meta.native-auth-none',
  { id: 'META-14', level: 'MUST' },
  'Native apps use token_endpoint_auth_method none',
  'Set token_endpoint_auth_method to none for a native app.',
  'token_endpoint_auth_method "none" for application_type native (reference: "Native clients must authenticate using \"none\" method")',
  (doc) =>
    isNative(doc) && doc.token_endpoint_auth_method !== 'none'
      ? `native client with token_endpoint_auth_method ${JSON.stringify(doc.token_endpoint_auth_method)}`
      : undefined,
)

export const metaPublicAuthNone = metaRule(
  'meta.public-auth-none',
  { id: 'META-15', level: 'SHOULD' },
  'Public clients say token_endpoint_auth_method none explicitly, without a signing alg',
  'Write token_endpoint_auth_method "none" in a public client\'s metadata and leave out token_endpoint_auth_signing_alg.',
  'token_endpoint_auth_method "none" spelled out (omitted means client_secret_basic) and no token_endpoint_auth_signing_alg',
  (doc) => {
    if (doc.jwks !== undefined || doc.jwks_uri !== undefined) return undefined
    if (doc.token_endpoint_auth_method === undefined) return 'a public client without token_endpoint_auth_method'
    if (doc.token_endpoint_auth_method === 'none' && doc.token_endpoint_auth_signing_alg !== undefined) {
      return `token_endpoint_auth_method none with token_endpoint_auth_signing_alg ${JSON.stringify(doc.token_endpoint_auth_signing_alg)}`
    }
    return undefined
  },
)

export const loopNativeScheme = metaRule(
  'loop.native-scheme',
  { id: 'LOOP-05', level: 'MUST' },
  'Custom-scheme redirects use the reversed client_id host as scheme, in the form scheme:/path',
  'Use the client_id host reversed as the custom scheme, with one colon and one slash: app.example:/callback for https://example.app/....',
  'redirect URIs like app.example:/callback for client_id https://example.app/… (reversed host, one colon, one slash)',
  (doc) => {
    if (typeof doc.client_id !== 'string') return undefined
    let host: string
    try {
      host = new URL(doc.client_id).hostname
    } catch {
      return undefined
    }
    const reversed = host.split('.').reverse().join('.')
    for (const uri of customSchemes(doc)) {
      const scheme = uri.slice(0, uri.indexOf(':'))
      if (scheme !== reversed) return `redirect URI ${uri} has scheme ${scheme}, not the reversed host ${reversed}`
      if (!uri.startsWith(`${scheme}:/`) || uri.startsWith(`${scheme}://`)) return `redirect URI ${uri} is not of the form ${scheme}:/path`
    }
    return undefined
  },
)

export const loopNativeHttpsOrigin = metaRule(
  'loop.native-https-origin',
  { id: 'LOOP-06', level: 'MUST' },
  'A native app\'s https redirect URIs are on the client_id\'s origin',
  'Put a native app\'s https redirect URIs on the same origin as its client_id.',
  'https redirect URIs of a native client on the origin of its client_id (the reference AS does not check this, §4 A-29)',
  (doc) => {
    if (!isNative(doc) || typeof doc.client_id !== 'string') return undefined
    let origin: string
    try {
      origin = new URL(doc.client_id).origin
    } catch {
      return undefined
    }
    const other = (strings(doc.redirect_uris) ?? []).find((u) => u.startsWith('https:') && new URL(u).origin !== origin)
    return other ? `https redirect URI ${other} is not on ${origin}` : undefined
  },
)

export const metaLinks = metaRule(
  'meta.links',
  { id: 'META-12', level: 'MUST' },
  'client_uri is on the client_id host; logo_uri, tos_uri and policy_uri are https',
  'Put client_uri on the client_id\'s host, and serve logo_uri, tos_uri and policy_uri over https.',
  'client_uri with the hostname of client_id, and https: logo_uri, tos_uri, policy_uri (SPEC "Client ID Metadata Document")',
  (doc) => {
    let host: string | undefined
    try {
      host = typeof doc.client_id === 'string' ? new URL(doc.client_id).hostname : undefined
    } catch {
      host = undefined
    }
    if (doc.client_uri !== undefined) {
      let clientHost: string | undefined
      try {
        clientHost = typeof doc.client_uri === 'string' ? new URL(doc.client_uri).hostname : undefined
      } catch {
        clientHost = undefined
      }
      if (clientHost === undefined || clientHost !== host) return `client_uri ${JSON.stringify(doc.client_uri)} is not on ${host}`
    }
    for (const name of ['logo_uri', 'tos_uri', 'policy_uri']) {
      const v = doc[name]
      if (v !== undefined && !(typeof v === 'string' && v.startsWith('https://'))) return `${name} ${JSON.stringify(v)} is not https`
    }
    return undefined
  },
)
