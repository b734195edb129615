import {
  assertDiscoverableClientId,
  isLoopbackClientId,
  loopbackClientMetadata,
  type ClientMetadata,
} from '../protocol/client-id.ts'
import {
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidGrantError,
  InvalidRequestError,
  type OAuthError,
} from '../protocol/errors.ts'
import { decodeJws, importPublicJwk, verifyJwsSignature } from '../protocol/jws.ts'
import type { Clock } from '../model/clock.ts'
import { fetchClientDocument, type FetchLimits, type HostMap } from './client-metadata-fetch.ts'
import type { ClientAuth } from './store.ts'

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

// The reference's zod message for a request without any client credentials (reference-wire.md §3).
const CREDENTIALS_MISSING =
  'Client credentials missing: Required at body.client_id; Invalid literal value, expected ' +
  '"urn:ietf:params:oauth:client-assertion-type:jwt-bearer" at body.client_assertion_type; Required at ' +
  'body.client_assertion, or Required at body.client_id; Required at body.client_secret, or Required at body.client_id'

/** Which endpoint asks: the reference answers a missing client_id differently at each (§3, §5, §7). */
export type AuthEndpoint = 'par' | 'token' | 'revoke'

const MISSING_ERROR: Record<AuthEndpoint, (d: string) => OAuthError> = {
  par: (d) => new InvalidClientError(d),
  token: (d) => new InvalidGrantError(d),
  revoke: (d) => new InvalidRequestError(d),
}

// Reference: CLIENT_ASSERTION_MAX_AGE 1 min on iat, no future tolerance (FIELD-76).
const ASSERTION_MAX_AGE_S = 60

export interface ClientRegistryDeps {
  issuer: () => string
  hosts: HostMap
  clock: Clock
  realClock: Clock
  fetchLimits: FetchLimits
  /** Strict profile: a client assertion must carry `exp` (RFC 7523 §3). */
  requireAssertionExp: boolean
  /** How long a fetched metadata document or JWKS is reused, in ms of `clock` (META-18); 0: fetched every time. */
  cacheTtlMs: number
  /**
   * Strict profile: a public client that also sends a client_secret or a client_assertion is refused. The
   * reference authenticates a `none` client by its client_id alone and ignores whatever else it sent.
   */
  refuseUnusedCredentials: boolean
}

/** The reference's first check of a request: some client credentials, at least a client_id (its zod union). */
export function assertCredentials(params: Record<string, unknown>, endpoint: AuthEndpoint): void {
  const clientId = (params as Record<string, unknown> | null)?.client_id
  if (typeof clientId !== 'string' || clientId === '') throw MISSING_ERROR[endpoint](CREDENTIALS_MISSING)
}

/** A fetched document kept until `until` (World clock). */
interface Cached<T> {
  value: T
  until: number
}

/** Resolves clients (loopback virtual metadata or fetched documents) and authenticates them. */
export class ClientRegistry {
  // Like the reference's CachedGetter over a SimpleStoreMemory: only successes are kept, a failure is fetched again.
  readonly #metadataCache = new Map<string, Cached<ClientMetadata>>()
  readonly #jwksCache = new Map<string, Cached<Record<string, unknown>[]>>()
  readonly #usedAssertionJtis = new Set<string>()
  constructor(private readonly deps: ClientRegistryDeps) {}

  /** The cached value of `key`, or `load()`'s, kept for the TTL (META-18). */
  async #cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key)
    if (hit && hit.until > this.deps.clock.now()) return hit.value
    cache.delete(key)
    const value = await load()
    if (this.deps.cacheTtlMs > 0) cache.set(key, { value, until: this.deps.clock.now() + this.deps.cacheTtlMs })
    return value
  }

  async resolve(clientId: string): Promise<ClientMetadata> {
    if (isLoopbackClientId(clientId)) return loopbackClientMetadata(clientId)
    assertDiscoverableClientId(clientId)
    return this.#cached(this.#metadataCache, clientId, async () =>
      validateClientMetadata(await fetchClientDocument(clientId, this.deps.hosts, this.deps.fetchLimits), clientId),
    )
  }

  /** Authenticates the client of a request (RFC 7523 §2.2 for confidential clients). */
  async authenticate(
    params: Record<string, unknown>,
    endpoint: AuthEndpoint,
  ): Promise<{ client: ClientMetadata; auth: ClientAuth }> {
    assertCredentials(params, endpoint)
    const client = await this.resolve(params.client_id as string)
    const refuse = this.deps.refuseUnusedCredentials
    if (refuse && 'client_secret' in params) throw new InvalidClientError('client_secret is not supported by this server')
    if (client.token_endpoint_auth_method === 'none') {
      if (refuse && params.client_assertion !== undefined) {
        throw new InvalidClientError(`Client authentication method "none" does not allow a client_assertion`)
      }
      return { client, auth: { method: 'none' } }
    }
    if (params.client_assertion_type !== JWT_BEARER || typeof params.client_assertion !== 'string') {
      throw new InvalidClientError(`Client authentication method "private_key_jwt" requires a client_assertion`)
    }
    const kid = await this.#verifyAssertion(client, params.client_assertion)
    return { client, auth: { method: 'private_key_jwt', kid } }
  }

  async #keys(client: ClientMetadata): Promise<Record<string, unknown>[]> {
    if (client.jwks) return client.jwks.keys
    const uri = client.jwks_uri!
    return this.#cached(this.#jwksCache, uri, async () => {
      const doc = (await fetchClientDocument(uri, this.deps.hosts, this.deps.fetchLimits)) as { keys?: unknown }
      if (!doc || !Array.isArray(doc.keys)) throw new InvalidClientMetadataError('jwks_uri did not return a JWK set')
      return doc.keys as Record<string, unknown>[]
    })
  }

  async #verifyAssertion(client: ClientMetadata, assertion: string): Promise<string> {
    const fail = (why: string): never => {
      throw new InvalidClientError(`Validation of "client_assertion" failed: ${why}`)
    }
    let jws
    try {
      jws = decodeJws(assertion)
    } catch (err) {
      return fail((err as Error).message)
    }
    const { header, payload } = jws
    const alg = header.alg
    if (typeof alg !== 'string' || alg === 'none') return fail('"alg" must name an asymmetric algorithm')
    if (client.token_endpoint_auth_signing_alg && alg !== client.token_endpoint_auth_signing_alg) {
      fail(`"alg" ${alg} is not the client's token_endpoint_auth_signing_alg`)
    }
    if (typeof header.kid !== 'string') return fail('"kid" header is required')
    const jwk = (await this.#keys(client)).find((k) => k.kid === header.kid)
    if (!jwk) return fail(`no key with kid ${JSON.stringify(header.kid)} in the client's JWKS`)
    const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([k]) => !['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(k)))
    let key
    try {
      key = importPublicJwk(publicJwk, alg)
    } catch (err) {
      return fail((err as Error).message)
    }
    if (!verifyJwsSignature(jws, key, alg)) fail('signature verification failed')
    if (payload.iss !== client.client_id) fail('"iss" must be the client_id')
    if (payload.sub !== client.client_id) fail('"sub" must be the client_id')
    const issuer = this.deps.issuer()
    // Reference: the issuer is the only accepted audience (FIELD-73), not the endpoint URL.
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    if (!aud.includes(issuer)) fail(`"aud" must be the issuer ${issuer}`)
    if (typeof payload.jti !== 'string' || payload.jti === '') fail('"jti" is required')
    const now = this.deps.realClock.now() / 1000
    if (typeof payload.iat !== 'number') return fail('"iat" is required')
    if (payload.iat > now) fail('"iat" claim timestamp check failed (it should be in the past)')
    if (now - payload.iat > ASSERTION_MAX_AGE_S) fail('"iat" claim timestamp check failed (too far in the past)')
    if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp <= now)) {
      fail('"exp" claim timestamp check failed')
    }
    if (payload.exp === undefined && this.deps.requireAssertionExp) fail('"exp" claim is required')
    const jtiKey = `${client.client_id}:${payload.jti}`
    if (this.#usedAssertionJtis.has(jtiKey)) throw new InvalidGrantError('private_key_jwt jti reused')
    this.#usedAssertionJtis.add(jtiKey)
    return header.kid
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

/**
 * Validates a fetched client metadata document (SPEC "Client ID Metadata Document"; REF-AS client-manager):
 * every failure is `invalid_client_metadata` naming the rule.
 */
export function validateClientMetadata(doc: unknown, clientId: string): ClientMetadata {
  const fail = (why: string): never => {
    throw new InvalidClientMetadataError(why)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('Client metadata must be a JSON object')
  const m = doc as Record<string, unknown>
  if (m.client_id !== clientId) fail(`client_id ${JSON.stringify(m.client_id)} does not match the URL it was fetched from`)
  if (!isStringArray(m.redirect_uris) || m.redirect_uris.length === 0) fail('redirect_uris must be a non-empty array')
  const scope = m.scope
  if (typeof scope !== 'string') return fail('Missing "scope" in client metadata')
  const scopes = scope.split(' ')
  if (!scopes.includes('atproto')) fail('Missing "atproto" scope')
  if (new Set(scopes).size !== scopes.length) fail('Duplicate scope in client metadata')
  if (m.dpop_bound_access_tokens !== true) fail('"dpop_bound_access_tokens" must be true')
  const grantTypes = m.grant_types ?? ['authorization_code']
  if (!isStringArray(grantTypes) || !grantTypes.includes('authorization_code')) {
    fail('grant_types must include "authorization_code"')
  }
  const responseTypes = m.response_types ?? ['code']
  if (!isStringArray(responseTypes) || !responseTypes.includes('code')) fail('response_types must include "code"')
  const applicationType = m.application_type ?? 'web'
  if (applicationType !== 'web' && applicationType !== 'native') fail('application_type must be "web" or "native"')
  const method = m.token_endpoint_auth_method
  if (method !== 'none' && method !== 'private_key_jwt') {
    fail(`Unsupported client authentication method ${JSON.stringify(method ?? 'client_secret_basic')}`)
  }
  if (method === 'none' && m.token_endpoint_auth_signing_alg !== undefined) {
    fail('"none" must not have token_endpoint_auth_signing_alg')
  }
  if (method === 'private_key_jwt') {
    if (applicationType === 'native') fail('Native clients must authenticate using "none" method')
    if ((m.jwks === undefined) === (m.jwks_uri === undefined)) fail('Exactly one of "jwks" and "jwks_uri" is required')
    if (m.jwks !== undefined) {
      const keys = (m.jwks as { keys?: unknown }).keys
      if (!Array.isArray(keys)) fail('"jwks" must be an object with a "keys" array')
      for (const k of keys as unknown[]) {
        if (typeof k !== 'object' || k === null) fail('"jwks" keys must be JWK objects')
        if ('d' in (k as object)) fail('"jwks" must not contain private keys')
        if (typeof (k as { kid?: unknown }).kid !== 'string') fail('every key in "jwks" must have a "kid"')
      }
    }
    if (m.jwks_uri !== undefined && (typeof m.jwks_uri !== 'string' || !m.jwks_uri.startsWith('https://'))) {
      fail('"jwks_uri" must be an https URL')
    }
    if (typeof m.token_endpoint_auth_signing_alg !== 'string') fail('"token_endpoint_auth_signing_alg" is required')
  }
  for (const uri of m.redirect_uris as string[]) checkRedirectUri(uri, applicationType as 'web' | 'native', clientId)
  return {
    ...m,
    client_id: clientId,
    redirect_uris: m.redirect_uris as string[],
    response_types: responseTypes as string[],
    grant_types: grantTypes as string[],
    scope,
    token_endpoint_auth_method: method as string,
    application_type: applicationType as 'web' | 'native',
    dpop_bound_access_tokens: true,
  }
}

function checkRedirectUri(uri: string, applicationType: 'web' | 'native', clientId: string): void {
  const fail = (why: string): never => {
    throw new InvalidClientMetadataError(`Invalid redirect_uri ${uri}: ${why}`)
  }
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return fail('not a URL')
  }
  if (url.username || url.password) fail('credentials are not allowed')
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:') {
    if (url.hostname === 'localhost') fail('use of "localhost" hostname is not allowed (RFC 8252)')
    if (applicationType !== 'native' || !['127.0.0.1', '[::1]'].includes(url.hostname)) {
      fail('http redirect URIs are only allowed for native clients on loopback IPs')
    }
    return
  }
  if (applicationType !== 'native') fail('custom URI schemes require application_type "native"')
  // SPEC "Request Fields": the scheme is the reversed client_id hostname, form `scheme:/path`.
  const reversed = new URL(clientId).hostname.split('.').reverse().join('.')
  if (url.protocol !== `${reversed}:`) fail(`custom scheme must be the reversed client_id hostname "${reversed}"`)
  if (uri.startsWith(`${reversed}://`)) fail('custom scheme URIs must use a single slash ("scheme:/path")')
}
