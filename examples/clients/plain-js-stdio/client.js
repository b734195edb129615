// A small but real atproto OAuth client for a public (loopback) app, in plain JavaScript with node built-ins only:
// node:crypto for ES256 (DPoP proofs) and PKCE, and fetch. No TypeScript, no build step, no dependencies, so it
// reads as a recipe for any other language. It implements (SPEC https://atproto.com/specs/oauth):
//
//   discovery   handle -> DID -> DID document -> PDS -> protected-resource metadata -> authorization server metadata
//   login       PAR with DPoP (nonce retry), authorization URL with client_id + request_uri only
//   callback    state and iss checks, code exchange with the PKCE verifier, sub checks, revocation of refused tokens
//   session     PDS calls with DPoP + ath (nonce retry, refresh on invalid_token), refresh with rotation, sign-out with revocation
//
// It does not do confidential clients (private_key_jwt) and keeps sessions in memory only (no restore after a restart).
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

export const SCOPE = 'atproto transition:generic'

/** An error the client reports: a stable code and a message that says what was wrong. */
export class OAuthClientError extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url')
const random = (bytes) => b64url(randomBytes(bytes))
const sha256 = (text) => b64url(createHash('sha256').update(text).digest())
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const isDid = (v) => typeof v === 'string' && /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.-]+(%3[aA][0-9]+)?)$/.test(v)

// ---------------------------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------------------------

// DPOP-10: how far the servers' clock (their Date header) is ahead of ours, when that is more than the header's
// one-second resolution explains. Proofs are signed with the corrected time, so a wrong local clock still works.
let clockCorrectionMs = 0
const serverNow = () => Date.now() + clockCorrectionMs

/** fetch without following redirects (metadata must answer itself; a redirect must never carry a token). */
async function send(url, init, what) {
  let res
  try {
    res = await fetch(url, { ...init, redirect: 'manual' })
  } catch (err) {
    throw new OAuthClientError('NetworkError', `${what}: could not reach ${url} (${err.message})`)
  }
  const date = Date.parse(res.headers.get('date') ?? '')
  if (Number.isFinite(date)) clockCorrectionMs = Math.abs(date - Date.now()) > 1500 ? date - Date.now() : 0
  const text = await res.text()
  let json
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { url, status: res.status, headers: res.headers, text, json }
}

/** GET a JSON object with HTTP 200. `allow404` returns undefined for a 404. */
async function getJson(url, what, code, allow404 = false) {
  const res = await send(url, { headers: { accept: 'application/json' } }, what)
  if (res.status === 404 && allow404) return undefined
  // DISC-08: HTTP 200, a JSON content type and a JSON object; nothing else counts as metadata.
  const type = res.headers.get('content-type') ?? ''
  if (res.status !== 200 || !/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(type) || !isObject(res.json)) {
    throw new OAuthClientError(code, `${what}: ${url} answered HTTP ${res.status} ${type}${describe(res)} (expected 200 and a JSON object)`)
  }
  return res.json
}

/** `: error (description)` from an OAuth or XRPC error body. */
function describe(res) {
  if (!isObject(res.json)) return ''
  const { error, error_description, message } = res.json
  return error || error_description || message ? `: ${error ?? 'error'}${error_description || message ? ` (${error_description ?? message})` : ''}` : ''
}

// ---------------------------------------------------------------------------------------------------------------
// DPoP (RFC 9449) with ES256
// ---------------------------------------------------------------------------------------------------------------

/**
 * A fresh P-256 key pair; one per login, kept for the whole session (DPOP-01, DPOP-02). Generated as JWKs, not as
 * KeyObjects to export: on Node 20, exporting a key generateKeyPairSync returned can deadlock the process.
 */
function generateDpopKey() {
  const jwkEncoding = { format: 'jwk' }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: jwkEncoding, privateKeyEncoding: jwkEncoding })
  const { kty, crv, x, y } = publicKey
  return { privateKey: createPrivateKey({ key: privateKey, format: 'jwk' }), jwk: { kty, crv, x, y } }
}

/** A compact JWS signed with ES256: the signature is r || s (IEEE P1363), not DER. */
function signEs256(header, payload, privateKey) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
  return `${input}.${b64url(signature)}`
}

/** One proof per request: a new jti (DPOP-05), htu without query or fragment, the nonce, and ath for resource calls. */
function dpopProof(key, { method, url, nonce, accessToken }) {
  const u = new URL(url)
  const payload = { jti: random(16), htm: method, htu: u.origin + u.pathname, iat: Math.floor(serverNow() / 1000) }
  if (nonce) payload.nonce = nonce
  if (accessToken) payload.ath = sha256(accessToken)
  return signEs256({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }, payload, key.privateKey)
}

/** Whether a response asks for a (new) DPoP nonce: 400 use_dpop_nonce at the AS, a 401 DPoP challenge at the PDS. */
function isNonceChallenge(res) {
  if (res.status === 400 && isObject(res.json) && res.json.error === 'use_dpop_nonce') return true
  const www = res.headers.get('www-authenticate') ?? ''
  // The scheme is case-insensitive and the error value may be quoted or not (RFC 7235).
  return res.status === 401 && /^\s*dpop\b/i.test(www) && /\berror\s*=\s*"?use_dpop_nonce"?/i.test(www)
}

/** Whether a PDS answer says the access token is no longer valid. */
function isInvalidToken(res) {
  const www = res.headers.get('www-authenticate') ?? ''
  return res.status === 401 && (/\berror\s*=\s*"?invalid_token"?/i.test(www) || (isObject(res.json) && res.json.error === 'invalid_token'))
}

/**
 * Sends a request with a DPoP proof and the nonce last seen from that origin (nonces are per server, NONCE-09);
 * learns the nonce of every answer, and retries a nonce challenge once, with a new proof (NONCE-01/02, NONCE-04).
 */
async function dpopFetch(nonces, key, { method, url, headers = {}, body, accessToken }, what) {
  const origin = new URL(url).origin
  for (let attempt = 0; ; attempt++) {
    const sent = nonces.get(origin)
    const proof = dpopProof(key, { method, url, nonce: sent, accessToken })
    const res = await send(url, { method, headers: { ...headers, DPoP: proof }, body }, what)
    const fresh = res.headers.get('dpop-nonce')
    if (fresh) nonces.set(origin, fresh)
    if (attempt > 0 || !isNonceChallenge(res) || !fresh || fresh === sent) return res
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------------------

/**
 * A public loopback client. `config`: { handleResolver, plcDirectoryUrl, redirectUri, allowHttp, log }.
 * State lives in this object: pending logins by state, sessions by DID, DPoP nonces by origin.
 */
export function createClient(config) {
  const log = config.log ?? (() => {})
  // LOOP-01/03: a loopback client_id carries its redirect_uri and scope; the AS derives its metadata from it.
  const clientId = `http://localhost?redirect_uri=${encodeURIComponent(config.redirectUri)}&scope=${encodeURIComponent(SCOPE)}`
  const pending = new Map()
  const sessions = new Map()
  const nonces = new Map()
  const refreshing = new Map()
  let current

  const requireHttps = (url, what) => {
    if (!config.allowHttp && new URL(url).protocol !== 'https:') throw new OAuthClientError('InsecureUrl', `${what} ${url} is not https`)
  }

  // -- identity ---------------------------------------------------------------------------------------------

  async function resolveHandle(handle) {
    const url = new URL('/xrpc/com.atproto.identity.resolveHandle', config.handleResolver)
    url.searchParams.set('handle', handle)
    const { did } = await getJson(url.href, `resolving ${handle}`, 'HandleResolutionFailed')
    if (!isDid(did)) throw new OAuthClientError('HandleResolutionFailed', `${handle} resolved to ${JSON.stringify(did)}, not a DID`)
    return did
  }

  async function resolveDid(did) {
    let url
    if (did.startsWith('did:plc:')) url = `${config.plcDirectoryUrl.replace(/\/$/, '')}/${did}`
    else {
      const host = decodeURIComponent(did.slice('did:web:'.length))
      url = `${host.startsWith('localhost') ? 'http' : 'https'}://${host}/.well-known/did.json`
    }
    const doc = await getJson(url, `resolving ${did}`, 'DidResolutionFailed')
    if (doc.id !== did) throw new OAuthClientError('DidResolutionFailed', `the document fetched for ${did} is for ${JSON.stringify(doc.id)}`)
    return doc
  }

  /** DISC-04: the #atproto_pds service of type AtprotoPersonalDataServer (other services are ignored). */
  function pdsOf(doc, did) {
    const services = Array.isArray(doc.service) ? doc.service : []
    const service = services.find((s) => isObject(s) && (s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`) && s.type === 'AtprotoPersonalDataServer')
    if (!service || typeof service.serviceEndpoint !== 'string' || !URL.canParse(service.serviceEndpoint)) {
      throw new OAuthClientError('NoPds', `the DID document of ${did} has no usable #atproto_pds service`)
    }
    return new URL(service.serviceEndpoint).origin
  }

  // -- server metadata --------------------------------------------------------------------------------------

  /** RFC 9728: the one authorization server of a PDS (DISC-05/06/16). undefined if `allow404` and there is none. */
  async function issuerOf(pds, allow404 = false) {
    requireHttps(pds, 'the PDS')
    const url = `${pds}/.well-known/oauth-protected-resource`
    const prm = await getJson(url, `fetching the resource metadata of ${pds}`, 'ProtectedResourceMetadataInvalid', allow404)
    if (!prm) return undefined
    if (prm.resource !== pds) throw new OAuthClientError('ResourceMismatch', `${url} describes ${JSON.stringify(prm.resource)}, not ${pds}`)
    const servers = prm.authorization_servers
    if (!Array.isArray(servers) || servers.length !== 1) {
      throw new OAuthClientError('ProtectedResourceMetadataInvalid', `${url} lists ${JSON.stringify(servers)}; exactly one authorization server is required`)
    }
    return validIssuer(servers[0], url)
  }

  function validIssuer(issuer, source) {
    if (typeof issuer !== 'string' || !URL.canParse(issuer) || new URL(issuer).origin !== issuer) {
      throw new OAuthClientError('AuthorizationServerInvalid', `${source} names ${JSON.stringify(issuer)}, which is not a bare origin`)
    }
    requireHttps(issuer, 'the authorization server')
    return issuer
  }

  /** RFC 8414 metadata, checked before any endpoint is used (ISS-01/02/05/08, PAR-01, DISC-17). */
  async function asMetadata(issuer, pds) {
    const url = `${issuer}/.well-known/oauth-authorization-server`
    const m = await getJson(url, `fetching the metadata of ${issuer}`, 'AuthorizationServerMetadataInvalid')
    const invalid = (why) => new OAuthClientError('AuthorizationServerMetadataInvalid', `${url} ${why}`)
    if (m.issuer !== issuer) throw new OAuthClientError('IssuerMismatch', `${url} says issuer ${JSON.stringify(m.issuer)}, not ${issuer}`)
    for (const name of ['authorization_endpoint', 'token_endpoint', 'pushed_authorization_request_endpoint', 'revocation_endpoint']) {
      if (m[name] === undefined && name === 'revocation_endpoint') continue
      if (typeof m[name] !== 'string' || !URL.canParse(m[name])) {
        throw name === 'pushed_authorization_request_endpoint' ? new OAuthClientError('ParUnsupported', `${url} has no PAR endpoint; atproto requires PAR`) : invalid(`has no ${name}`)
      }
      if (new URL(m[name]).origin !== issuer) throw invalid(`puts ${name} on another origin than ${issuer}`)
    }
    const lists = (name, value) => Array.isArray(m[name]) && m[name].includes(value)
    if (m.require_pushed_authorization_requests !== true) throw invalid('does not require PAR')
    if (m.authorization_response_iss_parameter_supported !== true) throw invalid('does not promise iss in authorization responses')
    if (m.client_id_metadata_document_supported !== true) throw invalid('does not support client metadata documents')
    if (!lists('code_challenge_methods_supported', 'S256')) throw invalid('does not support PKCE S256')
    if (!lists('scopes_supported', 'atproto')) throw invalid('does not support the atproto scope')
    if (!lists('token_endpoint_auth_methods_supported', 'none')) throw invalid('does not accept public clients')
    // DPOP-03: this client signs with ES256, which every atproto AS must accept.
    if (!lists('dpop_signing_alg_values_supported', 'ES256')) throw invalid('does not accept ES256 DPoP proofs')
    if (pds && Array.isArray(m.protected_resources) && !m.protected_resources.includes(pds)) {
      throw new OAuthClientError('ResourceMismatch', `${issuer} does not protect ${pds}`)
    }
    return m
  }

  /** BIND-03: the DID's PDS must be protected by `issuer`, or that AS cannot speak for it. Returns the PDS. */
  async function verifyIssuer(did, issuer) {
    const pds = pdsOf(await resolveDid(did), did)
    const authority = await issuerOf(pds)
    if (authority !== issuer) throw new OAuthClientError('AuthorizationServerMismatch', `${did} is on ${pds}, whose authorization server is ${authority}, not ${issuer}`)
    return pds
  }

  // -- token requests ---------------------------------------------------------------------------------------

  /** A form POST to the AS with DPoP (PAR-02: form-encoded). */
  const asPost = (key, url, params, what) =>
    dpopFetch(nonces, key, { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, client_id: clientId }).toString() }, what)

  /** TOKEN-02/03/06: a DPoP token with the atproto scope. */
  function readTokens(res, what) {
    const body = res.json
    if (!isObject(body) || typeof body.access_token !== 'string') throw new OAuthClientError('InvalidTokenResponse', `${what} has no access_token`)
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'dpop') {
      throw new OAuthClientError('InvalidTokenType', `${what} has token_type ${JSON.stringify(body.token_type)}, not DPoP`)
    }
    if (typeof body.scope !== 'string' || !body.scope.split(' ').includes('atproto')) {
      throw new OAuthClientError('InvalidScope', `${what} grants ${JSON.stringify(body.scope)}, without atproto`)
    }
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      expiresAt: typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : undefined,
      scope: body.scope,
      sub: body.sub,
    }
  }

  /** RFC 7009, with DPoP; the refresh token ends the whole session. Best effort: the outcome is returned. */
  async function revoke(key, metadata, tokens) {
    if (!metadata.revocation_endpoint) return undefined
    const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token']
    return asPost(key, metadata.revocation_endpoint, { token, token_type_hint: hint }, 'the revocation request').catch((err) => ({ status: 0, error: err }))
  }

  // -- the operations ---------------------------------------------------------------------------------------

  /** Starts a login for a handle, a DID or a PDS/entryway URL; returns the URL to open in the browser. */
  async function authorize(rawInput) {
    const input = rawInput.trim()
    let issuer
    let pds
    let expectedDid
    let loginHint
    if (/^https?:\/\//i.test(input)) {
      // DISC-11: a PDS (it has resource metadata) or the authorization server itself.
      const origin = new URL(input).origin
      const found = await issuerOf(origin, true)
      if (found) pds = origin
      issuer = found ?? validIssuer(origin, 'the login input')
    } else {
      const handle = input.startsWith('did:') ? undefined : input.replace(/^@/, '').toLowerCase()
      const did = handle ? await resolveHandle(handle) : input
      if (!isDid(did)) throw new OAuthClientError('InvalidInput', `"${rawInput}" is not a handle, a DID or a URL`)
      const doc = await resolveDid(did)
      // DISC-03: the DID document must claim the handle back.
      if (handle && !(Array.isArray(doc.alsoKnownAs) && doc.alsoKnownAs.some((a) => typeof a === 'string' && a.toLowerCase() === `at://${handle}`))) {
        throw new OAuthClientError('HandleMismatch', `the DID document of ${did} does not claim at://${handle}`)
      }
      pds = pdsOf(doc, did)
      issuer = await issuerOf(pds)
      expectedDid = did
      loginHint = handle ?? did
    }
    const metadata = await asMetadata(issuer, pds)
    log(`login at ${issuer} (PDS ${pds ?? 'unknown'})`)

    // A fresh DPoP key, PKCE verifier and state for every login (DPOP-01, PKCE-01, STATE-01).
    const key = generateDpopKey()
    const verifier = random(32)
    const state = random(32)
    const params = { response_type: 'code', redirect_uri: config.redirectUri, scope: SCOPE, state, code_challenge: sha256(verifier), code_challenge_method: 'S256' }
    if (loginHint) params.login_hint = loginHint
    const res = await asPost(key, metadata.pushed_authorization_request_endpoint, params, 'the pushed authorization request')
    // PAR-05: a request_uri and a positive expires_in, or no redirect at all.
    const ok = isObject(res.json) && typeof res.json.request_uri === 'string' && Number.isInteger(res.json.expires_in) && res.json.expires_in > 0
    if ((res.status !== 201 && res.status !== 200) || !ok) {
      throw new OAuthClientError('ParRejected', `the pushed authorization request was refused: HTTP ${res.status}${describe(res)}`)
    }
    pending.set(state, { issuer, metadata, key, verifier, expectedDid, pds, createdAt: Date.now() })
    // PAR-06: the front channel carries only client_id and request_uri.
    const url = new URL(metadata.authorization_endpoint)
    url.searchParams.set('client_id', clientId)
    url.searchParams.set('request_uri', res.json.request_uri)
    return url.href
  }

  /** Finishes a login with the redirect's parameters; returns { sub, scope }. */
  async function callback(params) {
    const state = params.get('state')
    const login = state === null ? undefined : pending.get(state)
    if (!login) throw new OAuthClientError('UnknownState', state === null ? 'the authorization response has no state' : 'the state belongs to no pending login')
    pending.delete(state) // STATE-04: single use
    // STATE-09: a pending login expires (the AS forgets its request after 5 minutes idle).
    if (Date.now() - login.createdAt > 30 * 60_000) throw new OAuthClientError('ExpiredState', 'the login expired; start again')
    // ISS-03/04 (RFC 9207): the response must name the issuer the login went to.
    const iss = params.get('iss')
    if (iss !== login.issuer) {
      throw new OAuthClientError(iss === null ? 'MissingIss' : 'IssuerMismatch', `callback iss ${JSON.stringify(iss)} is not the issuer ${login.issuer}`)
    }
    const error = params.get('error')
    if (error !== null) throw new OAuthClientError(error, `the authorization server answered ${error}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}`)
    const code = params.get('code')
    if (!code) throw new OAuthClientError('MissingCode', 'the authorization response has no code')

    const { metadata, key } = login
    const grant = { grant_type: 'authorization_code', code, code_verifier: login.verifier, redirect_uri: config.redirectUri }
    const res = await asPost(key, metadata.token_endpoint, grant, 'the token request')
    // TOKEN-07/08: an error is final; the code is never sent again.
    if (res.status !== 200) throw new OAuthClientError('TokenRequestFailed', `the token request failed: HTTP ${res.status}${describe(res)}`)
    try {
      const { sub, ...tokens } = readTokens(res, 'the token response')
      // BIND-01/02/03: sub is a DID, the one the login was for, and its PDS is protected by this issuer.
      if (!isDid(sub)) throw new OAuthClientError('InvalidSubject', `the token response sub ${JSON.stringify(sub)} is not a DID`)
      if (login.expectedDid && sub !== login.expectedDid) throw new OAuthClientError('SubjectMismatch', `the login was for ${login.expectedDid}, not ${sub}`)
      const pds = await verifyIssuer(sub, login.issuer)
      // REVOKE-07: a new login for an account with a stored session replaces it; revoke the old grant first,
      // with the old session's own key, so nothing is left behind at the AS.
      const previous = sessions.get(sub)
      if (previous) await revoke(previous.key, previous.metadata, previous.tokens)
      sessions.set(sub, { did: sub, issuer: login.issuer, metadata, pds, key, tokens })
      current = sub
      log(`logged in as ${sub}`)
      return { sub, scope: tokens.scope }
    } catch (err) {
      // REVOKE-06: tokens this client refuses are revoked before the error is reported.
      await revoke(key, metadata, { accessToken: res.json?.access_token, refreshToken: res.json?.refresh_token })
      throw err
    }
  }

  function session() {
    const s = current && sessions.get(current)
    if (!s) throw new OAuthClientError('NoSession', 'no session: log in first (or it was signed out)')
    return s
  }

  /** REFRESH-01/02/03: one refresh at a time per session, with the newest refresh token; the new one replaces it. */
  function refresh(did = session().did) {
    if (!refreshing.has(did)) refreshing.set(did, doRefresh(did).finally(() => refreshing.delete(did)))
    return refreshing.get(did)
  }

  async function doRefresh(did) {
    const s = sessions.get(did)
    if (!s) throw new OAuthClientError('NoSession', `no session for ${did}`)
    if (!s.tokens.refreshToken) throw new OAuthClientError('RefreshRejected', 'the session has no refresh token')
    const res = await asPost(s.key, s.metadata.token_endpoint, { grant_type: 'refresh_token', refresh_token: s.tokens.refreshToken }, 'the refresh request')
    if (res.status === 400 && res.json?.error === 'invalid_grant') {
      // REFRESH-11: the refresh token is dead; the session ends.
      sessions.delete(did)
      throw new OAuthClientError('RefreshRejected', `the refresh token was refused${describe(res)}; log in again`)
    }
    // REFRESH-05: other failures are transient; the session stays.
    if (res.status !== 200) throw new OAuthClientError('RefreshFailed', `the refresh request failed: HTTP ${res.status}${describe(res)}`)
    let tokens
    try {
      const { sub, ...next } = readTokens(res, 'the refresh response')
      // BIND-05: a refresh is for the same account.
      if (sub !== undefined && sub !== did) throw new OAuthClientError('SubjectMismatch', `the refresh response is for ${JSON.stringify(sub)}, not ${did}`)
      tokens = { ...next, refreshToken: next.refreshToken ?? s.tokens.refreshToken }
    } catch (err) {
      sessions.delete(did)
      await revoke(s.key, s.metadata, { accessToken: res.json?.access_token, refreshToken: res.json?.refresh_token })
      throw err
    }
    if (!sessions.has(did)) throw new OAuthClientError('NoSession', 'the session was signed out during the refresh')
    sessions.set(did, { ...s, tokens })
    log(`refreshed the session of ${did}`)
    return sessions.get(did)
  }

  /** An XRPC request to the session's PDS: Authorization DPoP + a proof with ath (RES-01, DPOP-06). */
  async function call(method, path, body) {
    let s = session()
    const url = new URL(path, s.pds)
    if (url.origin !== s.pds) throw new OAuthClientError('InvalidRequest', `${path} is not on the session's PDS`)
    if (s.tokens.expiresAt !== undefined && s.tokens.expiresAt - 10_000 <= Date.now()) s = await refresh(s.did)
    const attempt = (tokens) =>
      dpopFetch(
        nonces,
        s.key,
        {
          method,
          url: url.href,
          accessToken: tokens.accessToken,
          headers: { authorization: `DPoP ${tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        `${method} ${url.pathname}`,
      )
    let res = await attempt(s.tokens)
    // RES-03/REFRESH-04: a dead access token is refreshed once, and the request sent once more.
    if (isInvalidToken(res)) {
      const sent = s.tokens.accessToken
      const latest = sessions.get(s.did)
      s = latest && latest.tokens.accessToken !== sent ? latest : await refresh(s.did)
      res = await attempt(s.tokens)
    }
    return { status: res.status, body: res.json ?? res.text }
  }

  /** REVOKE-01/03: revoke at the AS, then forget the session even if revocation failed. */
  async function signOut() {
    const s = session()
    const res = await revoke(s.key, s.metadata, s.tokens)
    if (res && res.status !== 200) log(`revocation failed (HTTP ${res.status}); the session is deleted anyway`)
    sessions.delete(s.did)
    current = undefined
  }

  return {
    authorize,
    callback,
    call,
    refresh: async () => {
      const s = await refresh()
      return { sub: s.did, scope: s.tokens.scope }
    },
    signOut,
  }
}
