import { safeParseOAuthLoopbackClientId } from '@atproto/oauth-types'
import { InvalidClientMetadataError } from './errors.ts'

/** Client metadata as the AS uses it (RFC 7591 field names). */
export interface ClientMetadata {
  client_id: string
  redirect_uris: string[]
  response_types: string[]
  grant_types: string[]
  scope: string
  token_endpoint_auth_method: string
  token_endpoint_auth_signing_alg?: string
  application_type: 'web' | 'native'
  dpop_bound_access_tokens: boolean
  jwks?: { keys: Record<string, unknown>[] }
  jwks_uri?: string
  client_name?: string
  client_uri?: string
  [extra: string]: unknown
}

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]'])

// The reference words it with the raw value (client-manager.js getClientMetadata()).
function invalidClientId(clientId: string): never {
  throw new InvalidClientMetadataError(`Invalid client ID "${clientId}"`)
}

/** Whether a client_id is of the loopback development form (starts with `http://localhost`). */
export function isLoopbackClientId(clientId: string): boolean {
  return clientId.startsWith('http://localhost') && !clientId.startsWith('http://localhost.')
}

/**
 * Builds the virtual metadata of a loopback client (SPEC "Localhost Client Development";
 * reference-wire.md §11.7): origin exactly `http://localhost`, path empty or `/`, only `redirect_uri`
 * (repeatable, loopback IP http URLs) and `scope` (once) in the query.
 */
export function loopbackClientMetadata(clientId: string): ClientMetadata {
  // The reference's own parse of the raw string first (@atproto/oauth-types): it sees a scope or redirect_uri
  // that the URL parser would quietly trim (a trailing NUL) or that is not a valid OAuth scope.
  if (!safeParseOAuthLoopbackClientId(clientId).success) invalidClientId(clientId)
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    invalidClientId(clientId)
  }
  if (url.protocol !== 'http:' || url.hostname !== 'localhost' || url.port !== '') invalidClientId(clientId)
  if (url.pathname !== '/' || url.hash !== '' || url.username !== '' || url.password !== '') invalidClientId(clientId)
  const redirectUris: string[] = []
  let scope: string | undefined
  for (const [key, value] of url.searchParams) {
    if (key === 'redirect_uri') {
      let r: URL
      try {
        r = new URL(value)
      } catch {
        invalidClientId(clientId)
      }
      if (r.protocol !== 'http:' || !LOOPBACK_IPS.has(r.hostname)) invalidClientId(clientId)
      redirectUris.push(value)
    } else if (key === 'scope' && scope === undefined) {
      scope = value
    } else {
      invalidClientId(clientId)
    }
  }
  return {
    client_id: clientId,
    redirect_uris: redirectUris.length > 0 ? redirectUris : ['http://127.0.0.1/', 'http://[::1]/'],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: scope ?? 'atproto',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    dpop_bound_access_tokens: true,
  }
}

/**
 * Checks a discoverable (https) client_id before any fetch, as the reference does: https, a dotted
 * hostname that is neither `localhost` nor an IP literal, a path other than `/`, no credentials or fragment.
 */
export function assertDiscoverableClientId(clientId: string): URL {
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    invalidClientId(clientId)
  }
  const host = url.hostname
  const ipLiteral = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[')
  if (
    url.protocol !== 'https:' ||
    url.href !== clientId ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    !host.includes('.') ||
    ipLiteral ||
    url.port !== '' ||
    url.pathname === '/' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    invalidClientId(clientId)
  }
  return url
}

/**
 * RFC 8252 §7.3 redirect matching as the reference does it (`compareRedirectUri`): exact string, or a
 * registered loopback-IP URI without a port matches any port with the same host, path and query.
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true
  let reg: URL, req: URL
  try {
    reg = new URL(registered)
    req = new URL(requested)
  } catch {
    return false
  }
  if (reg.protocol !== 'http:' || !LOOPBACK_IPS.has(reg.hostname) || reg.port !== '') return false
  return (
    req.protocol === reg.protocol &&
    req.hostname === reg.hostname &&
    req.pathname === reg.pathname &&
    req.search === reg.search
  )
}
