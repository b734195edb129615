/**
 * Who the client is to the authorization server: a loopback development client (public, SPEC "Localhost Client
 * Development") or a confidential web client with a client metadata document and private_key_jwt (SPEC
 * "Confidential Client Authentication", RFC 7523).
 */
import { randomBytes } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { Flaws } from './flaws.ts'

/** What this client asks for. `transition:generic` lets it write records. */
export const SCOPE = 'atproto transition:generic'

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** What the AS needs to know about the endpoint a request goes to, for client authentication. */
export interface AuthTarget {
  issuer: string
  tokenEndpoint: string
  /** The client's (corrected) time, ms: the assertion's iat (CONF-04). */
  now: number
  /** Whether the request is a refresh (only the client-id-respelled-on-refresh flaw cares). */
  refresh?: boolean
}

// The host part of an https client_id.
const CLIENT_HOST_PATTERN = /(?<=^https:\/\/)[^/]+/

export interface ClientIdentity {
  kind: 'public' | 'confidential' | 'native'
  clientId: string
  /** The scope declared in the metadata and requested at PAR, byte for byte the same string (SCOPE-05). */
  scope: string
  /** The redirect URI sent at PAR and again at the token request (STATE-06). */
  redirectUri: string
  /** Documents the client serves under its own origin (path → JSON): metadata and JWKS of a confidential client. */
  documents: Record<string, unknown>
  /** Form parameters authenticating the client; a new client assertion on every call (CONF-05). */
  authParams(target: AuthTarget): Promise<Record<string, string>>
}

/**
 * The scope the client declares for the permissions it wants. SCOPE-10: `blob:`, `account:` and `identity:`
 * permissions are requested directly, beside any `include:`, since a permission set can never grant them (the
 * `blob-through-set` flaw leaves the blob permissions out, trusting the set to cover uploads).
 */
function declaredScope(requested: string, flaws: Flaws): string {
  const tokens = requested.split(' ').filter(Boolean)
  if (!flaws.has('blob-through-set') || !tokens.some((t) => t.startsWith('include:'))) return tokens.join(' ')
  return tokens.filter((t) => !t.startsWith('blob:') && !t.startsWith('blob?')).join(' ')
}

/**
 * A loopback client (LOOP-01): `client_id` is `http://localhost` with the redirect URI and the scope in its query,
 * since the AS derives the client's metadata from it. The scope must be declared there (LOOP-03), and the
 * redirect URI must use a loopback IP, not `localhost` (LOOP-02). Public: no client authentication (LOOP-04).
 */
export function loopbackClient(redirectUri: string, flaws: Flaws, requested = SCOPE): ClientIdentity {
  const scope = declaredScope(requested, flaws)
  const redirect = flaws.has('redirect-localhost') ? 'http://localhost:8080/callback' : redirectUri
  let clientId = `http://localhost?redirect_uri=${encodeURIComponent(redirect)}`
  if (!flaws.has('loopback-no-scope-in-client-id')) clientId += `&scope=${encodeURIComponent(scope)}`
  return {
    kind: 'public',
    clientId,
    scope,
    redirectUri: redirect,
    documents: {},
    authParams: async () => ({ client_id: clientId }),
  }
}

/** The confidential client's signing key: one ES256 key with a kid, generated once per process. */
interface ClientKey {
  privateKey: CryptoKey | Uint8Array
  publicJwk: JWK
  kid: string
}

let processKey: Promise<ClientKey> | undefined

function clientKey(): Promise<ClientKey> {
  processKey ??= (async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(pair.publicKey)
    const kid = `minimal-${(await calculateJwkThumbprint(jwk)).slice(0, 12)}`
    // META-10: public members only, with the kid the assertions name.
    return { privateKey: pair.privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' }, kid }
  })()
  return processKey
}

/**
 * A confidential web client whose `client_id` is the URL of its metadata document (META-01) and which
 * authenticates with private_key_jwt (META-09). Its key is published inline (`jwks`) or at `jwks_uri`.
 * The DPoP keys are per-session keys generated elsewhere, never this key (CONF-09).
 */
export async function confidentialClient(
  origin: string,
  publishKeysBy: 'jwks' | 'jwks_uri',
  flaws: Flaws,
  requested = SCOPE,
): Promise<ClientIdentity> {
  const scope = declaredScope(requested, flaws)
  const key = await clientKey()
  // META-17: the conventional location, so the consent screen can show just the host name.
  const path = flaws.has('unconventional-metadata-path') ? '/client-metadata.json' : '/oauth-client-metadata.json'
  // META-16: the client_id is compared as a string, so it must already be in canonical URL form.
  const clientId = flaws.has('client-id-not-canonical') ? `${origin}/meta/..${path}` : `${origin}${path}`
  const redirectUri = `${origin}/callback`
  const jwks = { keys: [key.publicJwk] }
  const metadata: Record<string, unknown> = {
    client_id: clientId,
    client_name: 'atproto-oauth-conformance minimal client',
    application_type: 'web',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    dpop_bound_access_tokens: !flaws.has('metadata-dpop-bound-false'),
    // META-12: client_uri on the client_id's host, the other links https.
    client_uri: origin,
    policy_uri: flaws.has('http-policy-uri') ? `${origin.replace(/^https:/, 'http:')}/privacy` : `${origin}/privacy`,
    tos_uri: `${origin}/terms`,
    ...(publishKeysBy === 'jwks_uri' ? { jwks_uri: `${origin}/jwks.json` } : { jwks }),
  }
  const documents: Record<string, unknown> = { [path]: metadata }
  if (publishKeysBy === 'jwks_uri') documents['/jwks.json'] = jwks

  return {
    kind: 'confidential',
    clientId,
    scope,
    redirectUri,
    documents,
    async authParams(target) {
      // RFC 7523 §3 / CONF-02: iss = sub = client_id, aud = the issuer (not an endpoint URL), a unique jti,
      // iat now (whole seconds, never in the future: CONF-04) and a short exp.
      const iat = Math.floor(target.now / 1000)
      const header = flaws.has('assertion-no-kid') ? { alg: 'ES256' } : { alg: 'ES256', kid: key.kid }
      const assertion = await new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: flaws.has('assertion-aud-token-endpoint') ? target.tokenEndpoint : target.issuer,
        jti: randomBytes(16).toString('base64url'),
        iat,
        exp: iat + 60,
      })
        .setProtectedHeader(header)
        .sign(key.privateKey)
      // META-11: the client_id never changes; the flaw spells the host in capitals on refresh.
      const id = flaws.has('client-id-respelled-on-refresh') && target.refresh ? clientId.replace(CLIENT_HOST_PATTERN, (h) => h.toUpperCase()) : clientId
      return { client_id: id, client_assertion_type: JWT_BEARER, client_assertion: assertion }
    },
  }
}

/**
 * A native app (SPEC "Client ID Metadata Document", "Request Fields"): a public client with a metadata
 * document, `application_type: "native"`, `token_endpoint_auth_method: "none"` (META-14, META-15) and a
 * custom-scheme redirect named after the reversed client_id host, in the form `scheme:/path` (LOOP-05, META-08).
 * It also lists an https redirect on its own origin (LOOP-06).
 */
export function nativeClient(origin: string, flaws: Flaws): ClientIdentity {
  const clientId = `${origin}/oauth-client-metadata.json`
  const host = new URL(origin).hostname
  const reversed = host.split('.').reverse().join('.')
  const scheme = flaws.has('native-scheme-not-reversed') ? host : reversed
  const redirectUri = flaws.has('native-double-slash') ? `${scheme}://callback` : `${scheme}:/callback`
  const httpsRedirect = flaws.has('native-https-other-origin') ? 'https://elsewhere.example/callback' : `${origin}/native-callback`
  const metadata: Record<string, unknown> = {
    client_id: clientId,
    client_name: 'atproto-oauth-conformance minimal native client',
    application_type: flaws.has('native-web-type') ? 'web' : 'native',
    redirect_uris: [redirectUri, httpsRedirect],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: SCOPE,
    ...(flaws.has('omit-auth-method')
      ? {}
      : flaws.has('native-private-key-jwt')
        ? { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [] } }
        : { token_endpoint_auth_method: 'none' }),
    dpop_bound_access_tokens: true,
  }
  return {
    kind: 'native',
    clientId,
    redirectUri,
    scope: SCOPE,
    documents: { '/oauth-client-metadata.json': metadata },
    authParams: async () => ({ client_id: clientId }),
  }
}
