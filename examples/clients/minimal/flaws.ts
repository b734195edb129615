/**
 * Deliberate flaws of the minimal client. Each one switches off or breaks exactly one behaviour, so the
 * harness can prove that the check meant to catch it does fail. A clean client has none.
 *
 * The table below is also the documentation of the flaw switches (README.md repeats it): what each flaw
 * breaks and the requirement of the catalog (shared/spec/atproto-oauth-requirements.md) it violates.
 */
export const FLAWS = {
  // Callback / issuer
  'skip-iss-check': ['accepts a wrong or missing callback iss', 'ISS-03, ISS-04'],
  'skip-issuer-metadata-check': ['does not compare the AS metadata issuer with its origin and the PRM', 'ISS-01, ISS-02'],
  'skip-metadata-validation': ['uses AS metadata without the atproto checks (PAR required, iss support, client metadata documents, endpoints on the issuer origin, protected_resources)', 'ISS-05, ISS-08, DISC-17'],
  'skip-prm-resource-check': ['uses protected-resource metadata whose resource is not the PDS', 'DISC-16'],
  'lenient-prm': ['takes authorization_servers[0] whatever the count (the PDS origin if empty)', 'DISC-05'],
  'no-sub-verification': ['skips every check of the token response sub', 'BIND-01, BIND-02, BIND-03'],
  'generic-callback-error': ['reports an error callback without its error code', 'STATE-05'],
  'retry-code-on-5xx': ['sends the code again when the token endpoint answers 5xx', 'TOKEN-07, TOKEN-08'],
  'refresh-on-any-401': ['refreshes on any PDS 401, a repeated nonce challenge included', 'NONCE-04, RES-03'],
  'restore-without-reverify': ['restores a session with its stored PDS and AS, without resolving the DID again', 'BIND-06'],
  'no-refresh-sub-check': ['keeps the session when a refresh response names another sub', 'REFRESH-08, BIND-05'],
  'skip-state-check': ['an unknown or missing state falls back to the most recent pending login', 'STATE-02'],
  'accept-replayed-state': ['keeps the pending state after a callback, so a replay is accepted', 'STATE-04'],
  'ignore-callback-error': ['ignores the error parameter when a code is present', 'STATE-05'],
  // PAR / authorization URL
  'no-dpop-at-par': ['PAR without a DPoP proof (the key is bound at the token request)', 'PAR-04'],
  'authorize-url-extras': ['adds scope, state and redirect_uri to the authorization URL', 'PAR-06'],
  'front-channel-fallback': ['without a PAR endpoint, sends the whole request on the front channel', 'PAR-01'],
  'prompt-none': ['sends prompt=none at PAR (public client)', 'LOOP-08'],
  'token-without-redirect-uri': ['omits redirect_uri from the code exchange, as OAuth 2.1-style libraries may (the reference refuses it)', 'TOKEN-01, STATE-06'],
  // DPoP nonces
  'no-nonce-retry': ['never retries a nonce challenge, at the AS or the PDS', 'NONCE-01, NONCE-02'],
  'stale-nonce': ['learns nonces only from challenges and keeps the first one per origin', 'NONCE-03'],
  'shared-nonce-cache': ['one nonce for every origin', 'NONCE-09'],
  'strict-challenge-match': ['recognises the PDS challenge only as the exact substring error="use_dpop_nonce"', 'NONCE-08'],
  'nonce-retry-loop': ['retries nonce challenges up to 5 times', 'NONCE-04'],
  // DPoP proofs
  'reuse-dpop-jti': ['the nonce retry reuses the jti of the first proof', 'DPOP-05'],
  'htu-with-query': ['htu includes the query string', 'DPOP-05'],
  'no-ath': ['no ath claim on PDS requests', 'DPOP-06'],
  'new-dpop-key-on-refresh': ['signs the refresh with a newly generated key', 'DPOP-02'],
  'ignore-dpop-algs': ['signs DPoP proofs with ES384 whatever the AS metadata lists', 'DPOP-03'],
  // PKCE
  'plain-pkce': ['code_challenge_method=plain', 'PKCE-02'],
  'wrong-verifier': ['sends another code_verifier than the one of the challenge', 'PKCE-03'],
  'no-pkce': ['no code_challenge at all', 'PKCE-02'],
  // Token response
  'bearer-token-type-ok': ['accepts token_type Bearer', 'TOKEN-02'],
  'require-expires-in': ['throws a TypeError when expires_in is missing', 'TOKEN-06'],
  'ignore-granted-scope': ['reports the requested scope instead of the granted one', 'TOKEN-10'],
  'no-scope-check': ['does not require atproto in the granted scope', 'TOKEN-03'],
  // Resource calls
  'bearer-scheme': ['Authorization: Bearer on PDS requests', 'RES-01'],
  'no-refresh-on-401': ['on a PDS 401 invalid_token returns the 401 without refreshing', 'REFRESH-04'],
  'refresh-on-403': ['refreshes once on a PDS 403, then retries', 'REFRESH-07'],
  // Refresh
  'stale-refresh-token': ['keeps using the first refresh token forever', 'REFRESH-02'],
  'retry-invalid-grant': ['on invalid_grant keeps the session and retries the same token once more', 'REFRESH-11'],
  'no-refresh-lock': ['concurrent refreshes each send their own request', 'REFRESH-03'],
  'delete-session-on-any-error': ['deletes the session on any refresh failure, 5xx included', 'REFRESH-05'],
  // Sign-out
  'no-revoke': ['sign-out deletes the session locally without revoking', 'REVOKE-01'],
  'revoke-without-dpop': ['revocation request without a DPoP proof', 'REVOKE-02'],
  'keep-tokens-after-sign-out': ['sign-out revokes but keeps the session, so later calls send the old token', 'REVOKE-04'],
  'keep-session-on-revoke-error': ['when revocation fails, keeps the session and rejects', 'REVOKE-03'],
  // Confidential client
  'assertion-aud-token-endpoint': ['client assertion aud = the token endpoint URL', 'CONF-02'],
  'reuse-client-assertion': ['resends the same client assertion on the nonce retry', 'CONF-05, NONCE-07'],
  'assertion-no-kid': ['client assertion without a kid header', 'CONF-02'],
  'metadata-dpop-bound-false': ['publishes dpop_bound_access_tokens false', 'META-03'],
  // Loopback client
  'loopback-no-scope-in-client-id': ['loopback client_id without the scope it requests', 'LOOP-03'],
  'redirect-localhost': ['loopback redirect_uri http://localhost:8080/callback', 'LOOP-02'],
  // Granular permissions
  'scope-string-compare': ['refuses a login whose granted scope string differs from the requested one', 'SCOPE-08, TOKEN-10'],
  'include-literal-required': ['takes a grant without the literal include: token it requested as a denial', 'SCOPE-08'],
  'expanded-grant-only': ['refuses calls locally unless the grant lists an expanded repo:/blob:/rpc: permission (a raw include: counts for nothing)', 'SCOPE-08'],
  'blob-through-set': ['leaves its blob: permissions out of its scope, trusting its permission set to cover uploads', 'SCOPE-10'],
  'bare-did-audience': ['sends the bare service DID in atproto-proxy and as the getServiceAuth aud', 'RES-07'],
  'proxy-other-service-id': ['sends atproto-proxy with another service id of the same DID (#other_svc) than the one the call is meant for', 'RES-07'],
  'service-auth-without-lxm': ['asks getServiceAuth without its lxm parameter', 'RES-07'],
  'scope-error-name-only': ['treats a 403 as a permission error only when it is named ScopeMissingError; refreshes on the others', 'RES-05'],
  'stale-scope-after-refresh': ['keeps the scope of the first token response after every refresh', 'SCOPE-07'],
  'no-revoke-on-relogin': ['a second login for the same account overwrites the stored session without revoking it', 'REVOKE-07'],
  'retry-par-on-error': ['retries a refused PAR at once with the same request', 'PAR-11'],
  'retry-par-loop': ['retries a PAR refused with 400 up to 5 more times, at once', 'META-18, PAR-11'],
  'generic-par-error': ['reports a refused PAR as "login failed", without the AS\'s error and error_description', 'META-18, PAR-05'],
  'retry-code-on-error': ['resends the same code when the token endpoint answers invalid_request', 'PAR-11, TOKEN-07'],
  // Identity
  'no-bidirectional-handle-check': ['does not check that the DID document claims the handle', 'DISC-03'],
  'pds-from-first-service': ['takes the first service of the DID document whatever its id and type', 'DISC-04'],
  // Odd answers, the client's clock, response modes, native apps
  'lenient-metadata-response': ['follows metadata redirects and takes any 2xx JSON object, whatever its content type', 'DISC-08'],
  'lenient-par-response': ['takes any 2xx PAR answer, with or without a request_uri or a positive expires_in', 'PAR-05'],
  'parse-access-token': ['reads the expiry from the access token as a JWT, instead of treating it as opaque', 'TOKEN-05'],
  'refresh-revives-signed-out-session': ['a refresh that completes after sign-out stores its tokens again', 'REFRESH-10'],
  'ignore-store-failure': ['when storing refreshed tokens fails, reports the error but neither revokes them nor drops the session', 'REFRESH-12'],
  'refresh-with-scope': ['asks for its full scope again on every refresh, as if a refresh could widen a narrower grant', 'SCOPE-06'],
  'no-pending-expiry': ['accepts a callback whatever the age of its pending login', 'STATE-09'],
  'reuse-pushed-request': ['a new login for the same input reuses the unfinished login and its request_uri', 'PAR-07'],
  'state-carries-session': ['state is base64url JSON holding the login input and the PKCE verifier', 'STATE-03'],
  'oidc-nonce': ['sends an OpenID Connect nonce at PAR', 'PAR-09'],
  'prompt-unadvertised': ['sends prompt=select_account without looking at prompt_values_supported', 'PAR-10'],
  'fragment-undecoded': ['asks for response_mode=fragment and reads the fragment without percent-decoding it', 'STATE-08'],
  'response-mode-unchecked': ['asks for response_mode=fragment whatever response_modes_supported lists', 'STATE-11'],
  'no-clock-correction': ['signs proofs and assertions with its own clock, even when the servers\' Date header shows it is off', 'DPOP-10, CONF-04'],
  'no-proactive-refresh': ['sends an access token it knows has expired and refreshes only on the 401', 'REFRESH-09'],
  'cache-identity-forever': ['caches handle resolutions for good', 'DISC-12'],
  'client-id-not-canonical': ['client_id with a dot segment (https://client.world.internal/meta/../oauth-client-metadata.json)', 'META-16'],
  'unconventional-metadata-path': ['serves its metadata at /client-metadata.json instead of /oauth-client-metadata.json', 'META-17'],
  'native-web-type': ['native client metadata says application_type web', 'META-08'],
  'omit-auth-method': ['native client metadata omits token_endpoint_auth_method', 'META-15'],
  'native-double-slash': ['native redirect URI test.client://callback (two slashes)', 'LOOP-05'],
  'native-scheme-not-reversed': ['native redirect URI scheme is the client host, not reversed (client.world.internal:/callback)', 'LOOP-05'],
  'native-https-other-origin': ['native https redirect URI on another origin than the client_id', 'LOOP-06'],
  'native-private-key-jwt': ['native client metadata with token_endpoint_auth_method private_key_jwt', 'META-14'],
  'no-revalidate-before-refresh': ['refreshes without checking that the session\'s AS still speaks for the account', 'ISS-06'],
  'lenient-issuer-url': ['takes an authorization server URL with a trailing slash, path or query as it is', 'DISC-06'],
  'http-policy-uri': ['confidential metadata with an http policy_uri', 'META-12'],
  'allow-http-as': ['takes an http authorization server outside development mode', 'DISC-18'],
  'client-id-respelled-on-refresh': ['confidential client sends its client_id with the host in capitals on refresh', 'META-11'],
} as const satisfies Record<string, readonly [breaks: string, requirement: string]>

export type Flaw = keyof typeof FLAWS

export const FLAW_NAMES = Object.keys(FLAWS) as Flaw[]

/** The set of flaws a client instance runs with. */
export interface Flaws {
  has(flaw: Flaw): boolean
}

/** A clean client. */
export const NO_FLAWS: Flaws = { has: () => false }

/**
 * Parses `flaw=a,b,c` (client option). An unknown name is an error that lists the known ones, so a typo never
 * silently runs the clean client.
 */
export function parseFlaws(spec: string | undefined): Flaws & { list: readonly Flaw[] } {
  const names = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = names.filter((n) => !(n in FLAWS))
  if (unknown.length > 0) {
    throw new Error(`unknown flaw ${unknown.map((n) => `"${n}"`).join(', ')} for the minimal client (known: ${FLAW_NAMES.join(', ')})`)
  }
  const set = new Set(names as Flaw[])
  return { has: (flaw) => set.has(flaw), list: [...set] }
}
