/**
 * A minimal atproto OAuth client (SPEC https://atproto.com/specs/oauth), written to be read: discovery, PAR,
 * callback, token exchange, session, resource calls, refresh and revocation, each step with the requirement
 * it implements (ids of shared/spec/atproto-oauth-requirements.md).
 *
 * It depends on `jose` only and shares no code with the conformance harness that judges it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { SCOPE, type ClientIdentity } from './client-auth.ts'
import { ClientClock, type TimeSource } from './clock.ts'
import { grantAllows, includesOf, type ResourceRequest } from './permissions.ts'
import { DpopKey, NonceCache, chooseDpopAlg, dpopChallengeError, dpopFetch, type DpopSigner, type StoredDpopKey } from './dpop.ts'
import { NO_FLAWS, type Flaws } from './flaws.ts'
import { describeError, errorCode, getJson, isObject, OAuthClientError, type HttpResult, type JsonObject } from './http.ts'
import {
  documentClaimsHandle,
  isAtprotoDid,
  parseLoginInput,
  pdsOrigin,
  resolveDidDocument,
  resolveHandle,
  type IdentityConfig,
} from './identity.ts'

/** The endpoints and capabilities of an authorization server, validated (DISC-07, ISS-05). */
export interface AuthServerMetadata {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  pushed_authorization_request_endpoint?: string
  revocation_endpoint?: string
  dpop_signing_alg_values_supported: string[]
  /** RFC 8414: omitted means `query` and `fragment`. */
  response_modes_supported?: string[]
  prompt_values_supported?: string[]
}

/** Everything the callback needs, stored under the `state` value (STATE-03: state is only a random key; STATE-10). */
export interface PendingLogin {
  createdAt: number
  issuer: string
  metadata: AuthServerMetadata
  dpopKey: StoredDpopKey
  verifier: string
  redirectUri: string
  /** The DID resolved before PAR when the login started from a handle or DID (BIND-02). */
  expectedDid?: string
  /** The PDS found before PAR, if the login started from an account or a PDS. */
  pds?: string
  /** The response mode requested at PAR (STATE-08): where the callback's parameters are. */
  responseMode: ResponseMode
  /** The login input, for the reuse-pushed-request flaw only. */
  input?: string
  authorizationUrl?: string
}

/** Where the AS puts the authorization response (OAuth 2.0 Multiple Response Type Encoding, Form Post). */
export type ResponseMode = 'query' | 'fragment' | 'form_post'

/** The redirect as the browser delivered it: the URL (query, fragment) or the posted form. */
export interface RedirectResponse {
  url: string
  mode: ResponseMode
  /** The form_post body's fields. */
  form?: URLSearchParams
}

export interface TokenSet {
  accessToken: string
  refreshToken?: string
  /** ms since the epoch; unknown when the AS sent no `expires_in` (TOKEN-06). */
  expiresAt?: number
  /** The granted scope, which may be narrower than the requested one (TOKEN-10). */
  scope: string
}

/** A session as stored: bound to (DID, issuer, client, DPoP key) (BIND-04), keyed by DID. */
export interface StoredSession {
  did: string
  issuer: string
  metadata: AuthServerMetadata
  pds: string
  dpopKey: StoredDpopKey
  tokens: TokenSet
}

/** The client's storage. Plain Maps here; an app would persist them (the values are JSON-serialisable). */
export interface ClientStores {
  states: Map<string, PendingLogin>
  /** The app's session store; an app's may fail on write (a full disk), which REFRESH-12 handles. */
  sessions: SessionStore
  /** In-flight refreshes by DID: the lock that makes concurrent callers share one refresh (REFRESH-03). */
  refreshes: Map<string, Promise<StoredSession>>
}

/** The session store's operations (a Map in memory; an app's database). */
export type SessionStore = Pick<Map<string, StoredSession>, 'get' | 'set' | 'delete' | 'has'>

export function createStores(): ClientStores {
  return { states: new Map(), sessions: new Map(), refreshes: new Map() }
}

export interface ClientOptions extends IdentityConfig {
  client: ClientIdentity
  stores: ClientStores
  /** Development mode: http URLs are allowed for the PDS and the AS (DISC-18). */
  allowHttp: boolean
  flaws?: Flaws
  /** The clock the client reads (the machine's by default). */
  time?: TimeSource
  /** The response mode to ask for, if the AS offers it (STATE-11); `query` otherwise. */
  responseMode?: ResponseMode
}

/** What a session reports to the app. */
export interface SessionInfo {
  sub: string
  scope?: string
}

// A pending login older than this is refused (STATE-09); the AS forgets its request_uri after 5 min idle.
const PENDING_LOGIN_LIFETIME_MS = 30 * 60 * 1000
// Refresh a little before the access token expires rather than collect a 401 first (REFRESH-09).
const EXPIRY_MARGIN_MS = 10 * 1000

// Handle resolutions are cached this long by the cache-identity-forever flaw only (DISC-12: less than 10 min).
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url')
const random = (bytes: number) => randomBytes(bytes).toString('base64url')

type RevocableTokens = { accessToken?: string; refreshToken?: string }

/** The tokens of a token response, whatever else is wrong with it (to revoke them). */
function issuedTokens(res: HttpResult): RevocableTokens {
  const body = isObject(res.json) ? res.json : {}
  return {
    accessToken: typeof body.access_token === 'string' ? body.access_token : undefined,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
  }
}

export class MinimalOAuthClient {
  readonly flaws: Flaws
  readonly nonces: NonceCache
  readonly clock: ClientClock
  /** Only with the cache-identity-forever flaw: handle → DID, never expired. */
  readonly #handleCache = new Map<string, string>()
  /** reuse-pushed-request flaw only: authorization URLs by login input, kept until a login succeeds. */
  readonly #unfinishedLogins = new Map<string, string>()

  constructor(readonly options: ClientOptions) {
    this.flaws = options.flaws ?? NO_FLAWS
    this.clock = new ClientClock(options.time, this.flaws)
    // Nonces are not persisted: a new instance learns them again from the servers' answers.
    this.nonces = new NonceCache(this.flaws)
  }

  get #client(): ClientIdentity {
    return this.options.client
  }

  get #stores(): ClientStores {
    return this.options.stores
  }

  // ---------------------------------------------------------------------------------------------------------
  // Discovery
  // ---------------------------------------------------------------------------------------------------------

  /** DISC-18: outside development mode the PDS and the AS must be https. */
  #requireHttps(url: string, what: string): void {
    if (!this.options.allowHttp && new URL(url).protocol !== 'https:') {
      throw new OAuthClientError('InsecureUrl', `${what} ${url} is not https; http is allowed only in development mode`)
    }
  }

  /**
   * The authorization server of a resource server (PDS), from its protected-resource metadata (RFC 9728).
   * `undefined` when `accept404` and the origin has no such document (a server-initiated login at an entryway).
   */
  async #issuerOfResource(origin: string, accept404 = false): Promise<string | undefined> {
    this.#requireHttps(origin, 'the PDS')
    const url = `${origin}/.well-known/oauth-protected-resource`
    const prm = await getJson(url, `fetching the protected-resource metadata of ${origin}`, 'ProtectedResourceMetadataInvalid', {
      accept404,
      lenient: this.flaws.has('lenient-metadata-response'),
    })
    if (!prm) return undefined
    // DISC-16 (RFC 9728 §3.3): the document must describe the server it was fetched from.
    if (!this.flaws.has('skip-prm-resource-check') && prm.resource !== origin) {
      throw new OAuthClientError(
        'ResourceMismatch',
        `the protected-resource metadata at ${url} names resource ${JSON.stringify(prm.resource)}, not ${origin}; it is not this PDS's document`,
      )
    }
    const servers = prm.authorization_servers
    let issuer: unknown
    if (this.flaws.has('lenient-prm')) {
      issuer = Array.isArray(servers) && servers.length > 0 ? servers[0] : origin
    } else {
      // DISC-05: the atproto profile requires exactly one authorization server.
      if (!Array.isArray(servers) || servers.length !== 1) {
        throw new OAuthClientError(
          'ProtectedResourceMetadataInvalid',
          `the protected-resource metadata at ${url} lists ${JSON.stringify(servers)} as authorization_servers; exactly one is required`,
        )
      }
      issuer = servers[0]
    }
    return this.#validIssuer(issuer, url)
  }

  /** DISC-06: an issuer is a bare origin: no path, query, fragment, credentials or default port. */
  #validIssuer(issuer: unknown, source: string): string {
    let url: URL | undefined
    try {
      url = typeof issuer === 'string' ? new URL(issuer) : undefined
    } catch {
      url = undefined
    }
    const lenient = this.flaws.has('lenient-issuer-url') && url !== undefined
    if (!lenient && (!url || url.origin !== issuer || (url.protocol !== 'https:' && url.protocol !== 'http:'))) {
      throw new OAuthClientError(
        'AuthorizationServerInvalid',
        `${source} names the authorization server ${JSON.stringify(issuer)}, which is not a bare https origin`,
      )
    }
    if (!this.flaws.has('allow-http-as')) this.#requireHttps(issuer as string, 'the authorization server')
    return issuer as string
  }

  /**
   * The AS metadata (RFC 8414) at `<issuer>/.well-known/oauth-authorization-server`, validated before any of
   * its endpoints is used (DISC-07, ISS-05).
   */
  async #authServerMetadata(issuer: string, pds: string | undefined): Promise<AuthServerMetadata> {
    const url = `${issuer}/.well-known/oauth-authorization-server`
    // The clock learns the AS's time here, before the first proof or assertion is signed (DPOP-10, CONF-04).
    const doc = await getJson(url, `fetching the metadata of the authorization server ${issuer}`, 'AuthorizationServerMetadataInvalid', {
      clock: this.clock,
      lenient: this.flaws.has('lenient-metadata-response'),
    })
    const m = doc as JsonObject
    const invalid = (why: string) => new OAuthClientError('AuthorizationServerMetadataInvalid', `the metadata at ${url} ${why}`)
    // ISS-01 + ISS-02: `issuer` is the origin the document came from, which is the AS the PRM named.
    if (!this.flaws.has('skip-issuer-metadata-check') && m.issuer !== issuer) {
      throw new OAuthClientError('IssuerMismatch', `the metadata at ${url} says issuer ${JSON.stringify(m.issuer)}, not ${issuer}`)
    }
    const validate = !this.flaws.has('skip-metadata-validation')
    const endpoint = (name: string, required: boolean): string | undefined => {
      const value = m[name]
      if (value === undefined && !required) return undefined
      if (typeof value !== 'string') throw invalid(`has no ${name}`)
      // ISS-08: the endpoints live on the issuer's origin (mix-up defence: a code never goes elsewhere).
      let origin: string
      try {
        origin = new URL(value).origin
      } catch {
        throw invalid(`has an invalid ${name} ${JSON.stringify(value)}`)
      }
      if (validate && origin !== issuer) throw invalid(`puts ${name} on ${origin}, not on the issuer's origin ${issuer}`)
      return value
    }
    const par = endpoint('pushed_authorization_request_endpoint', false)
    const frontChannel = !par && this.flaws.has('front-channel-fallback')
    // PAR-01: atproto requires PAR; without a PAR endpoint the login is aborted, never sent on the front channel.
    if (!par && !frontChannel) {
      throw new OAuthClientError('ParUnsupported', `the metadata at ${url} has no pushed_authorization_request_endpoint; atproto requires PAR`)
    }
    // ISS-05 and DISC-17: the metadata is an atproto AS's, for this client and this PDS.
    if (validate) {
      if (!frontChannel && m.require_pushed_authorization_requests !== true) {
        throw invalid('does not set require_pushed_authorization_requests: true')
      }
      // ISS-04 depends on it: the callback's iss is then mandatory.
      if (m.authorization_response_iss_parameter_supported !== true) {
        throw invalid('does not set authorization_response_iss_parameter_supported: true')
      }
      // The client_id of this client is a metadata document URL (or the loopback form).
      if (m.client_id_metadata_document_supported !== true) throw invalid('does not set client_id_metadata_document_supported: true')
      const lists = (name: string, value: string) => Array.isArray(m[name]) && (m[name] as unknown[]).includes(value)
      if (!lists('code_challenge_methods_supported', 'S256')) throw invalid('does not list S256 in code_challenge_methods_supported')
      if (!lists('scopes_supported', 'atproto')) throw invalid('does not list atproto in scopes_supported')
      if (!Array.isArray(m.dpop_signing_alg_values_supported)) throw invalid('has no dpop_signing_alg_values_supported')
      if (!lists('response_types_supported', 'code')) throw invalid('does not list code in response_types_supported')
      // RFC 8414 §2: an omitted grant_types_supported means authorization_code (and implicit); a list must have ours.
      const grantTypes = ['authorization_code', 'refresh_token']
      if (m.grant_types_supported !== undefined && !grantTypes.every((g) => lists('grant_types_supported', g))) {
        throw invalid('does not list authorization_code and refresh_token in grant_types_supported')
      }
      // CONF-07: a confidential client fails fast rather than silently becoming a public one.
      const authMethod = this.#client.kind === 'confidential' ? 'private_key_jwt' : 'none'
      if (!lists('token_endpoint_auth_methods_supported', authMethod)) {
        throw invalid(`does not offer the client authentication method ${authMethod}`)
      }
      if (authMethod === 'private_key_jwt' && !lists('token_endpoint_auth_signing_alg_values_supported', 'ES256')) {
        throw invalid('does not accept ES256 client assertions')
      }
      // DISC-17 (RFC 9728 §4): if the AS names the resources it protects, the PDS must be one of them.
      if (pds && Array.isArray(m.protected_resources) && !m.protected_resources.includes(pds)) {
        throw new OAuthClientError(
          'ResourceMismatch',
          `the authorization server ${issuer} does not protect the PDS ${pds} (protected_resources ${JSON.stringify(m.protected_resources)})`,
        )
      }
    }
    return {
      issuer,
      authorization_endpoint: endpoint('authorization_endpoint', true)!,
      token_endpoint: endpoint('token_endpoint', true)!,
      pushed_authorization_request_endpoint: par,
      revocation_endpoint: endpoint('revocation_endpoint', false),
      dpop_signing_alg_values_supported: (m.dpop_signing_alg_values_supported as unknown[]).filter((a): a is string => typeof a === 'string'),
      response_modes_supported: Array.isArray(m.response_modes_supported) ? m.response_modes_supported.filter((a): a is string => typeof a === 'string') : undefined,
      prompt_values_supported: Array.isArray(m.prompt_values_supported) ? m.prompt_values_supported.filter((a): a is string => typeof a === 'string') : undefined,
    }
  }

  /**
   * BIND-03 (also BIND-06 on restore): resolve `did` → DID document → PDS → its AS, and require that AS to be
   * `issuer`: the AS may only speak for accounts whose PDS it serves. Fresh lookups, no cache (DISC-19).
   * Returns the PDS origin.
   */
  async #verifyIssuerOf(did: string, issuer: string): Promise<string> {
    const pds = pdsOrigin(await resolveDidDocument(did, this.options), did, this.flaws)
    const authority = await this.#issuerOfResource(pds)
    if (authority !== issuer) {
      throw new OAuthClientError(
        'AuthorizationServerMismatch',
        `${did} is hosted on ${pds}, whose authorization server is ${authority}, not ${issuer}: this AS cannot speak for that account`,
      )
    }
    return pds
  }

  // ---------------------------------------------------------------------------------------------------------
  // Requests to the authorization server
  // ---------------------------------------------------------------------------------------------------------

  signer(key: DpopKey | undefined, session: string): DpopSigner {
    return { key, session, nonces: this.nonces, flaws: this.flaws, clock: this.clock }
  }

  /**
   * POSTs a form (PAR-02) to an AS endpoint with DPoP and client authentication. The body is built again for the
   * nonce retry, so a confidential client sends a new assertion each time (CONF-05, NONCE-07).
   */
  async asPost(signer: DpopSigner, metadata: AuthServerMetadata, url: string, params: Record<string, string>, what: string): Promise<HttpResult> {
    let firstAuth: Record<string, string> | undefined
    return dpopFetch(signer, {
      method: 'POST',
      url,
      server: 'as',
      what,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: async () => {
        const auth =
          this.flaws.has('reuse-client-assertion') && firstAuth
            ? firstAuth
            : await this.#client.authParams({
                issuer: metadata.issuer,
                tokenEndpoint: metadata.token_endpoint,
                now: this.clock.now(),
                refresh: params.grant_type === 'refresh_token',
              })
        firstAuth ??= auth
        return new URLSearchParams({ ...params, ...auth }).toString()
      },
    })
  }

  /** Validates a token response, initial or refresh (TOKEN-02, TOKEN-03, TOKEN-06, REFRESH-08). */
  #readTokenSet(res: HttpResult, what: string): TokenSet & { sub: unknown } {
    const body = res.json
    if (!isObject(body) || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new OAuthClientError('InvalidTokenResponse', `${what} from ${res.url} has no access_token`)
    }
    // TOKEN-02 (RFC 9449 §5): a DPoP-bound token; the value is case-insensitive (RFC 6749 §5.1).
    const type = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : undefined
    if (type !== 'dpop' && !(type === 'bearer' && this.flaws.has('bearer-token-type-ok'))) {
      throw new OAuthClientError(
        'InvalidTokenType',
        `${what} from ${res.url} has token_type ${JSON.stringify(body.token_type)}; a DPoP-bound token (token_type DPoP) is required`,
      )
    }
    // TOKEN-03: the granted scope must be present and include atproto.
    const scope = typeof body.scope === 'string' ? body.scope : undefined
    if (!this.flaws.has('no-scope-check') && !scope?.split(' ').includes('atproto')) {
      throw new OAuthClientError('InvalidScope', `${what} from ${res.url} grants scope ${JSON.stringify(body.scope)}, which does not include atproto`)
    }
    // TOKEN-06: expiry from expires_in, relative to now; absent means unknown (refresh on invalid_token).
    let expiresAt: number | undefined
    if (body.expires_in === undefined) {
      if (this.flaws.has('require-expires-in')) throw new TypeError('Cannot read the expires_in of the token response')
    } else if (typeof body.expires_in === 'number' && body.expires_in > 0) {
      expiresAt = this.clock.local() + body.expires_in * 1000
      // Only with the parse-access-token flaw: the expiry read from the token itself, as if it were a JWT.
      if (this.flaws.has('parse-access-token')) {
        const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number }
        expiresAt = claims.exp * 1000
      }
    } else {
      throw new OAuthClientError('InvalidTokenResponse', `${what} from ${res.url} has expires_in ${JSON.stringify(body.expires_in)}`)
    }
    const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : undefined
    return { accessToken: body.access_token, refreshToken, expiresAt, scope: scope ?? '', sub: body.sub }
  }

  /** Revokes a token set, ignoring the outcome (REVOKE-06: tokens that failed our checks must not stay alive). */
  async #revokeQuietly(signer: DpopSigner, metadata: AuthServerMetadata, tokens: RevocableTokens): Promise<void> {
    try {
      await this.revoke(signer, metadata, tokens)
    } catch {
      // best effort: the error that made us revoke is the one to report
    }
  }

  /** RFC 7009 revocation with DPoP from the session key (REVOKE-02); one token kills the whole session. */
  async revoke(signer: DpopSigner, metadata: AuthServerMetadata, tokens: RevocableTokens): Promise<HttpResult | undefined> {
    if (!metadata.revocation_endpoint) return undefined
    const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token']
    if (!token) return undefined
    const s = this.flaws.has('revoke-without-dpop') ? { ...signer, key: undefined } : signer
    return this.asPost(s, metadata, metadata.revocation_endpoint, { token, token_type_hint: hint }, 'the revocation request')
  }

  // ---------------------------------------------------------------------------------------------------------
  // Login
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Starts a login for a handle, a DID, or a PDS/entryway URL, and returns the URL to open in the browser.
   */
  async authorize(input: string, options: { scope?: string } = {}): Promise<URL> {
    if (this.flaws.has('reuse-pushed-request')) {
      // The flaw: an authorization URL is kept per login input until a login succeeds, even one that ended in an
      // error callback, and handed out again.
      const unfinished = this.#unfinishedLogins.get(input)
      if (unfinished) return new URL(unfinished)
    }
    const target = parseLoginInput(input)
    let issuer: string
    let pds: string | undefined
    let expectedDid: string | undefined
    let loginHint: string | undefined
    if (target.kind === 'server') {
      // DISC-11: a server URL is a PDS (it has protected-resource metadata) or is itself the AS.
      const found = await this.#issuerOfResource(target.origin, true)
      if (found) pds = target.origin
      issuer = found ?? this.#validIssuer(target.origin, 'the login input')
    } else {
      const did = target.kind === 'did' ? target.did : await this.#resolveHandle(target.handle)
      const doc = await resolveDidDocument(did, this.options)
      // DISC-03: a handle counts only if the DID document claims it back.
      if (target.kind === 'handle' && !this.flaws.has('no-bidirectional-handle-check') && !documentClaimsHandle(doc, target.handle)) {
        throw new OAuthClientError(
          'HandleMismatch',
          `the handle ${target.handle} resolves to ${did}, but the DID document of ${did} does not claim at://${target.handle}`,
        )
      }
      pds = pdsOrigin(doc, did, this.flaws)
      issuer = (await this.#issuerOfResource(pds))!
      expectedDid = did
      // DISC-15: the identifier the user typed (normalised) helps the AS pick the account.
      loginHint = target.kind === 'handle' ? target.handle : did
    }
    const metadata = await this.#authServerMetadata(issuer, pds)

    // DPOP-01: a fresh key for every login; PKCE-01: a fresh 256-bit verifier; STATE-01: a 256-bit random state.
    const key = await DpopKey.generate(chooseDpopAlg(metadata.dpop_signing_alg_values_supported, this.flaws))
    const verifier = random(32)
    // STATE-03: state is only a random key to the pending login, never the login's data.
    const state = this.flaws.has('state-carries-session')
      ? Buffer.from(JSON.stringify({ input, verifier, at: this.clock.local() })).toString('base64url')
      : random(32)
    const redirectUri = this.#client.redirectUri
    const responseMode = this.#responseMode(metadata)
    // PAR-03: the whole authorization request goes through the back channel. SCOPE-06: a wider scope comes from a
    // new authorization like this one, never from a refresh.
    const params: Record<string, string> = {
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: options.scope ?? this.#client.scope,
      state,
      response_mode: responseMode,
    }
    if (this.flaws.has('plain-pkce')) Object.assign(params, { code_challenge: verifier, code_challenge_method: 'plain' })
    else if (!this.flaws.has('no-pkce')) Object.assign(params, { code_challenge: sha256(verifier), code_challenge_method: 'S256' })
    if (loginHint) params.login_hint = loginHint
    if (this.flaws.has('prompt-none')) params.prompt = 'none'
    // PAR-10: a prompt only if the AS lists it; the flaw asks for the account chooser regardless.
    if (this.flaws.has('prompt-unadvertised')) params.prompt = 'select_account'
    // PAR-09: atproto is not OpenID Connect: no nonce, claims or id_token_hint.
    if (this.flaws.has('oidc-nonce')) params.nonce = random(16)

    const authorizationUrl = new URL(metadata.authorization_endpoint)
    if (metadata.pushed_authorization_request_endpoint) {
      // PAR-04: DPoP starts at PAR, with the key the session will keep.
      const signer = this.signer(this.flaws.has('no-dpop-at-par') ? undefined : key, key.thumbprint)
      const par = () => this.asPost(signer, metadata, metadata.pushed_authorization_request_endpoint!, params, 'the pushed authorization request')
      let res = await par()
      // PAR-11, META-18: a refusal (a permission set the AS cannot resolve, a scope its cached copy of our metadata
      // lacks) is final for this attempt; the flaws retry it at once, once or in a loop.
      if (res.status === 400 && this.flaws.has('retry-par-on-error')) res = await par()
      for (let i = 0; i < 5 && res.status === 400 && this.flaws.has('retry-par-loop'); i++) res = await par()
      // PAR-05: 201 (200 tolerated) with a request_uri and a positive expires_in.
      const body = res.json
      if ((res.status !== 201 && res.status !== 200) || !isObject(body)) {
        // The AS's error and error_description tell the app (and its operator) what to fix; the flaw hides them.
        if (this.flaws.has('generic-par-error')) throw new OAuthClientError('LoginFailed', 'login failed, please try again')
        throw new OAuthClientError('ParRejected', `the pushed authorization request to ${res.url} was refused: HTTP ${res.status}${describeError(res)}`)
      }
      const wellFormed = typeof body.request_uri === 'string' && Number.isInteger(body.expires_in) && (body.expires_in as number) > 0
      if (!wellFormed && !this.flaws.has('lenient-par-response')) {
        throw new OAuthClientError('ParRejected', `the PAR response from ${res.url} lacks a request_uri or a positive expires_in: ${res.text}`)
      }
      // PAR-06: the front channel carries only client_id and request_uri.
      authorizationUrl.searchParams.set('client_id', this.#client.clientId)
      authorizationUrl.searchParams.set('request_uri', String(body.request_uri))
      if (this.flaws.has('authorize-url-extras')) {
        for (const name of ['scope', 'state', 'redirect_uri']) authorizationUrl.searchParams.set(name, params[name]!)
      }
    } else {
      // Only with the front-channel-fallback flaw: the whole request in the URL (what PAR-01 forbids).
      authorizationUrl.searchParams.set('client_id', this.#client.clientId)
      for (const [name, value] of Object.entries(params)) authorizationUrl.searchParams.set(name, value)
    }

    this.#stores.states.set(state, {
      createdAt: this.clock.local(),
      issuer,
      metadata,
      dpopKey: key.stored,
      verifier,
      redirectUri,
      expectedDid,
      pds,
      responseMode,
      ...(this.flaws.has('reuse-pushed-request') ? { input, authorizationUrl: authorizationUrl.href } : {}),
    })
    if (this.flaws.has('reuse-pushed-request')) this.#unfinishedLogins.set(input, authorizationUrl.href)
    return authorizationUrl
  }

  /** STATE-11: the configured response mode if the AS lists it (RFC 8414 default: query, fragment), else query. */
  #responseMode(metadata: AuthServerMetadata): ResponseMode {
    if (this.flaws.has('fragment-undecoded') || this.flaws.has('response-mode-unchecked')) return 'fragment'
    const wanted = this.options.responseMode ?? 'query'
    const offered = metadata.response_modes_supported ?? ['query', 'fragment']
    if (offered.includes(wanted)) return wanted
    if (offered.includes('query')) return 'query'
    throw new OAuthClientError('ResponseModeUnsupported', `the authorization server offers none of the response modes ${wanted}, query`)
  }

  /** Handle → DID, afresh each time (DISC-12, DISC-19); the flaw caches it for good. */
  async #resolveHandle(handle: string): Promise<string> {
    const cached = this.flaws.has('cache-identity-forever') ? this.#handleCache.get(handle) : undefined
    if (cached) return cached
    const did = await resolveHandle(handle, this.options)
    if (this.flaws.has('cache-identity-forever')) this.#handleCache.set(handle, did)
    return did
  }

  /**
   * STATE-08: the authorization response's parameters, from where the requested mode puts them, URL-decoded.
   * `params` alone (already decoded by the app) is accepted as is.
   */
  static readResponse(response: RedirectResponse, flaws: Flaws = NO_FLAWS): URLSearchParams {
    const url = new URL(response.url)
    if (response.mode === 'form_post') return new URLSearchParams(response.form)
    if (response.mode === 'fragment') {
      const fragment = url.hash.slice(1)
      if (!flaws.has('fragment-undecoded')) return new URLSearchParams(fragment)
      // Only with the flaw: split by hand, values left percent-encoded.
      const out = new URLSearchParams()
      for (const pair of fragment.split('&')) {
        const [k, v = ''] = pair.split('=')
        out.append(k!, v)
      }
      return out
    }
    return url.searchParams
  }

  /** Finishes a login with the authorization response (the redirect's query parameters). */
  async callback(params: URLSearchParams): Promise<OAuthSession> {
    // STATE-02: the state must name a pending login of ours.
    const state = params.get('state')
    let key = state ?? undefined
    let pending = key !== undefined ? this.#stores.states.get(key) : undefined
    if (!pending && this.flaws.has('skip-state-check')) {
      const latest = [...this.#stores.states].at(-1)
      if (latest) [key, pending] = latest
    }
    if (!pending || key === undefined) {
      throw new OAuthClientError(
        'UnknownState',
        state === null
          ? 'the authorization response has no state parameter'
          : `the authorization response carries state "${state}", which belongs to no pending login (unknown, already used or forged)`,
      )
    }
    // STATE-04: single use, whatever happens next.
    if (!this.flaws.has('accept-replayed-state')) this.#stores.states.delete(key)
    if (this.clock.local() - pending.createdAt > PENDING_LOGIN_LIFETIME_MS && !this.flaws.has('no-pending-expiry')) {
      throw new OAuthClientError('ExpiredState', 'the authorization response arrived after the login expired; start the login again')
    }
    // ISS-03/ISS-04 (RFC 9207): the response must come from the issuer this login was sent to; the AS advertised
    // authorization_response_iss_parameter_supported, so a missing iss is refused as well.
    const iss = params.get('iss')
    if (!this.flaws.has('skip-iss-check')) {
      if (iss === null) {
        throw new OAuthClientError('MissingIss', `the authorization response has no iss parameter, although ${pending.issuer} promises one`)
      }
      if (iss !== pending.issuer) {
        throw new OAuthClientError('IssuerMismatch', `callback iss "${iss}" is not the issuer "${pending.issuer}" of this login`)
      }
    }
    // STATE-05: an error response ends the login, with the AS's error code.
    const error = params.get('error')
    const code = params.get('code')
    if (error !== null && !(this.flaws.has('ignore-callback-error') && code)) {
      // Only with the flaw: the app learns that the login failed, not why (the user denied it, the request expired…).
      if (this.flaws.has('generic-callback-error')) throw new OAuthClientError('LoginFailed', 'the login did not complete')
      const description = params.get('error_description')
      throw new OAuthClientError(error, `the authorization server answered ${error}${description ? `: ${description}` : ''}`)
    }
    if (!code) throw new OAuthClientError('MissingCode', 'the authorization response has neither a code nor an error')

    // TOKEN-01: the code exchange goes to the token endpoint of the issuer recorded for this state (ISS-07), with
    // the DPoP key of the PAR (DPOP-02), the PKCE verifier (PKCE-03) and the redirect_uri sent at PAR (STATE-06).
    const { metadata } = pending
    const dpopKey = await DpopKey.fromJwk(pending.dpopKey)
    const signer = this.signer(dpopKey, dpopKey.thumbprint)
    const verifier = this.flaws.has('wrong-verifier') ? random(32) : pending.verifier
    const grant: Record<string, string> = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: pending.redirectUri }
    if (this.flaws.has('token-without-redirect-uri')) delete grant.redirect_uri
    let res = await this.asPost(signer, metadata, metadata.token_endpoint, grant, 'the token request')
    const retryable = (res.status === 400 && errorCode(res) === 'invalid_request' && this.flaws.has('retry-code-on-error')) ||
      (res.status >= 500 && this.flaws.has('retry-code-on-5xx'))
    if (retryable) {
      res = await this.asPost(signer, metadata, metadata.token_endpoint, grant, 'the token request')
    }
    // TOKEN-07/08: an error is final; a code is never sent twice.
    if (res.status !== 200) {
      throw new OAuthClientError('TokenRequestFailed', `the token request to ${res.url} failed: HTTP ${res.status}${describeError(res)}`)
    }
    try {
      const { sub, ...tokens } = this.#readTokenSet(res, 'the token response')
      this.#judgeGrant(tokens.scope)
      let pds: string
      let did: string
      if (this.flaws.has('no-sub-verification')) {
        // Trusts whatever the AS says: the account of the login, or sub resolved without any check.
        did = typeof sub === 'string' ? sub : (pending.expectedDid ?? String(sub))
        pds = pending.pds ?? pdsOrigin(await resolveDidDocument(did, this.options), did, this.flaws)
      } else {
        // BIND-01: sub is a DID.
        if (!isAtprotoDid(sub)) throw new OAuthClientError('InvalidSubject', `the token response sub ${JSON.stringify(sub)} is not a did:plc or did:web`)
        // BIND-02: the account that signed in is the one the login was for.
        if (pending.expectedDid && sub !== pending.expectedDid) {
          throw new OAuthClientError('SubjectMismatch', `the login was for ${pending.expectedDid}, but the authorization server signed in ${sub}`)
        }
        // BIND-03: the issuer is the authorization server of that account's PDS.
        pds = await this.#verifyIssuerOf(sub, pending.issuer)
        did = sub
      }
      // REVOKE-07: a new login for an account that already has a session replaces it: the old grant is revoked
      // at its AS with its own DPoP key before the new session is stored, so no orphaned grant stays behind.
      const previous = this.#stores.sessions.get(did)
      if (previous && !this.flaws.has('no-revoke-on-relogin')) {
        const oldKey = await DpopKey.fromJwk(previous.dpopKey)
        await this.#revokeQuietly(this.signer(oldKey, oldKey.thumbprint), previous.metadata, previous.tokens)
      }
      this.#persist({ did, issuer: pending.issuer, metadata, pds, dpopKey: pending.dpopKey, tokens })
      if (pending.input !== undefined) this.#unfinishedLogins.delete(pending.input)
      return new OAuthSession(this, did)
    } catch (err) {
      // REVOKE-06: tokens we refuse are revoked before the error is reported.
      await this.#revokeQuietly(signer, metadata, issuedTokens(res))
      throw err
    }
  }

  /**
   * SCOPE-08/TOKEN-10: a grant narrower than the request is still a session; what it allows is decided per call
   * by parsing it (permissions.ts). The flaws read it as a copy of the request instead.
   */
  #judgeGrant(granted: string): void {
    const requested = this.#client.scope
    if (this.flaws.has('scope-string-compare') && granted !== requested) {
      throw new OAuthClientError('ScopeNotGranted', `the authorization server granted "${granted}" instead of the requested "${requested}"`)
    }
    if (this.flaws.has('include-literal-required')) {
      const missing = includesOf(requested).filter((t) => !granted.split(' ').includes(t))
      if (missing.length > 0) throw new OAuthClientError('PermissionSetDenied', `the grant lacks the permission set ${missing.join(', ')}`)
    }
  }

  /**
   * Restores the stored session of `did` (after a restart). BIND-06: the DID, never the handle, is resolved
   * again, and its current PDS must still be served by the session's issuer.
   */
  async restore(did: string): Promise<OAuthSession> {
    const stored = this.#stores.sessions.get(did)
    if (!stored) throw new OAuthClientError('NoSession', `no stored session for ${did}: log in first`)
    // Only with the flaw: the stored endpoints are trusted as they are.
    if (this.flaws.has('restore-without-reverify')) return new OAuthSession(this, did)
    const pds = await this.#verifyIssuerOf(did, stored.issuer)
    if (pds !== stored.pds) this.#stores.sessions.set(did, { ...stored, pds })
    return new OAuthSession(this, did)
  }

  // ---------------------------------------------------------------------------------------------------------
  // Refresh
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Refreshes the session of `did`. Concurrent callers share one refresh (REFRESH-03). With `rejected`, the access
   * token a resource server refused: if the stored one is already newer, another caller refreshed and it is used.
   */
  refresh(did: string, rejected?: string): Promise<StoredSession> {
    if (this.flaws.has('no-refresh-lock')) return this.#refresh(did, rejected)
    const running = this.#stores.refreshes.get(did)
    if (running) return running
    const refresh = this.#refresh(did, rejected).finally(() => this.#stores.refreshes.delete(did))
    this.#stores.refreshes.set(did, refresh)
    return refresh
  }

  async #refresh(did: string, rejected: string | undefined): Promise<StoredSession> {
    const stored = this.#stores.sessions.get(did)
    if (!stored) throw new OAuthClientError('NoSession', `no session for ${did}: log in first`)
    if (rejected !== undefined && stored.tokens.accessToken !== rejected) return stored
    if (!stored.tokens.refreshToken) {
      throw new OAuthClientError('RefreshRejected', `the session of ${did} has no refresh token; log in again`)
    }
    // ISS-06: the session's AS must still be the authority for the account (DID → PDS → PRM) before it gets the
    // refresh token, as the reference client checks before every refresh.
    if (!this.flaws.has('no-revalidate-before-refresh')) await this.#verifyIssuerOf(did, stored.issuer)
    // REFRESH-01: the session's AS, the session's DPoP key (DPOP-02), the newest refresh token (REFRESH-02).
    const sessionKey = await DpopKey.fromJwk(stored.dpopKey)
    const key = this.flaws.has('new-dpop-key-on-refresh') ? await DpopKey.generate(sessionKey.alg) : sessionKey
    const signer = this.signer(key, sessionKey.thumbprint)
    const grant: Record<string, string> = { grant_type: 'refresh_token', refresh_token: stored.tokens.refreshToken }
    // Only with the flaw: asks for the full scope again on refresh, as if a refresh could widen it (SCOPE-06).
    if (this.flaws.has('refresh-with-scope')) grant.scope = SCOPE
    const send = () => this.asPost(signer, stored.metadata, stored.metadata.token_endpoint, grant, 'the refresh request')
    const lose = () => {
      if (this.flaws.has('delete-session-on-any-error')) this.#stores.sessions.delete(did)
    }
    let res: HttpResult
    try {
      res = await send()
      if (res.status === 400 && errorCode(res) === 'invalid_grant' && this.flaws.has('retry-invalid-grant')) {
        res = await send()
        if (res.status !== 200) {
          throw new OAuthClientError('RefreshFailed', `the refresh request to ${res.url} failed again: HTTP ${res.status}${describeError(res)}`)
        }
      }
    } catch (err) {
      // REFRESH-05: a network failure is transient: the session stays.
      lose()
      throw err
    }
    if (res.status === 400 && errorCode(res) === 'invalid_grant') {
      // REFRESH-11: the refresh token is dead (revoked, expired or replayed): the session ends here and the same
      // token is never tried again.
      this.#stores.sessions.delete(did)
      throw new OAuthClientError(
        'RefreshRejected',
        `the authorization server refused the refresh token${describeError(res)}; the session of ${did} is deleted, log in again`,
      )
    }
    if (res.status !== 200) {
      // REFRESH-05: 5xx and other failures keep the session; the app may try again later.
      lose()
      throw new OAuthClientError('RefreshFailed', `the refresh request to ${res.url} failed: HTTP ${res.status}${describeError(res)}; the session is kept`)
    }
    let next: TokenSet
    try {
      // REFRESH-08: a refresh response is validated like the first one; BIND-05: it is still the same account.
      const { sub, ...tokens } = this.#readTokenSet(res, 'the refresh response')
      if (sub !== undefined && sub !== did && !this.flaws.has('no-refresh-sub-check')) {
        throw new OAuthClientError('SubjectMismatch', `the refresh response is for ${JSON.stringify(sub)}, not for ${did}`)
      }
      next = {
        ...tokens,
        // REFRESH-02: rotation: the new refresh token replaces the old one (kept only if none was sent, RFC 6749 §6).
        refreshToken: this.flaws.has('stale-refresh-token') ? stored.tokens.refreshToken : (tokens.refreshToken ?? stored.tokens.refreshToken),
        // SCOPE-07: the grant can shrink or grow at a refresh (a permission set republished by its owner).
        scope: this.flaws.has('stale-scope-after-refresh') ? stored.tokens.scope : tokens.scope,
      }
    } catch (err) {
      this.#stores.sessions.delete(did)
      await this.#revokeQuietly(signer, stored.metadata, issuedTokens(res))
      throw err
    }
    // REFRESH-10: a session signed out while the refresh ran is not brought back.
    if (!this.#stores.sessions.has(did) && !this.flaws.has('refresh-revives-signed-out-session')) {
      await this.#revokeQuietly(signer, stored.metadata, next)
      throw new OAuthClientError('NoSession', `the session of ${did} was signed out during the refresh`)
    }
    // SCOPE-07: the stored granted scope is the one of this response.
    const updated: StoredSession = { ...(this.#stores.sessions.get(did) ?? stored), tokens: next }
    try {
      this.#persist(updated)
    } catch (err) {
      // REFRESH-12: the old refresh token is spent; new tokens nobody stored would leave a session nobody can
      // refresh, so they are revoked and the session is reported lost.
      if (!this.flaws.has('ignore-store-failure')) {
        await this.#revokeQuietly(signer, stored.metadata, next)
        this.#forget(did)
      }
      throw err
    }
    return updated
  }

  /** Stores a session; a failing store is reported as SessionStoreFailed. */
  #persist(session: StoredSession): void {
    try {
      this.#stores.sessions.set(session.did, session)
    } catch (err) {
      throw new OAuthClientError('SessionStoreFailed', `storing the session of ${session.did} failed (${(err as Error).message}); the new tokens are revoked, log in again`)
    }
  }

  /** Drops a session whatever the store says (it may fail on delete too). */
  #forget(did: string): void {
    try {
      this.#stores.sessions.delete(did)
    } catch {
      // the store is broken; the session is unusable anyway
    }
  }
}

/** A logged-in session. It holds only the DID: every operation reads the stored session afresh. */
export class OAuthSession {
  constructor(
    private readonly client: MinimalOAuthClient,
    readonly did: string,
  ) {}

  #stored(): StoredSession {
    const stored = this.client.options.stores.sessions.get(this.did)
    // REVOKE-04: after sign-out nothing is sent with the old tokens.
    if (!stored) throw new OAuthClientError('NoSession', `no session for ${this.did}: it was signed out or never logged in`)
    return stored
  }

  /** SessionInfo with the granted scope (TOKEN-10). */
  info(): SessionInfo {
    const { tokens } = this.#stored()
    return { sub: this.did, scope: this.client.flaws.has('ignore-granted-scope') ? this.client.options.client.scope : tokens.scope }
  }

  /** Forces a refresh now. */
  async refresh(): Promise<SessionInfo> {
    this.#stored()
    await this.client.refresh(this.did)
    return this.info()
  }

  async #send(stored: StoredSession, req: ResourceRequest): Promise<HttpResult> {
    const { method, body, contentType } = req
    const flaws = this.client.flaws
    const url = new URL(req.path, stored.pds)
    const path = req.path
    // RES-07: the service reference is spelled like the granted rpc audience, `did…#service`, in the
    // atproto-proxy header and in getServiceAuth's aud (the flaw sends the bare DID).
    const bare = (ref: string) => ref.split('#')[0]!
    const aud = url.searchParams.get('aud')
    if (flaws.has('bare-did-audience') && aud !== null) url.searchParams.set('aud', bare(aud))
    // RES-07: without lxm the PDS checks rpc:*?aud=…, which a method-bound grant does not cover.
    if (flaws.has('service-auth-without-lxm') && url.pathname === '/xrpc/com.atproto.server.getServiceAuth') url.searchParams.delete('lxm')
    let proxy = req.proxy && flaws.has('bare-did-audience') ? bare(req.proxy) : req.proxy
    // The flaw names another service of the same DID than the grant's audience (a hard-coded service id).
    if (proxy && flaws.has('proxy-other-service-id')) proxy = `${bare(proxy)}#other_svc`
    // RES-02/RES-04: the access token goes to the session's PDS and nowhere else.
    if (url.origin !== stored.pds) throw new OAuthClientError('InvalidRequest', `${path} is not on the session's PDS ${stored.pds}`)
    const key = await DpopKey.fromJwk(stored.dpopKey)
    const scheme = this.client.flaws.has('bearer-scheme') ? 'Bearer' : 'DPoP'
    return dpopFetch(this.client.signer(key, key.thumbprint), {
      method,
      url: url.href,
      server: 'rs',
      what: `${method} ${url.pathname}`,
      // RES-01: the DPoP scheme, and a proof with ath (DPOP-06).
      accessToken: stored.tokens.accessToken,
      headers: {
        authorization: `${scheme} ${stored.tokens.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
        ...(proxy ? { 'atproto-proxy': proxy } : {}),
      },
      body: body === undefined ? undefined : async () => (contentType ? String(body) : JSON.stringify(body)),
    })
  }

  /** An authenticated XRPC request to the user's PDS. */
  async request(req: ResourceRequest): Promise<HttpResult> {
    let stored = this.#stored()
    // The flaw reads permissions only in their expanded form: an `include:` granted as such (other servers)
    // counts for nothing, so the feature is switched off although the grant covers it (BP-109).
    if (this.client.flaws.has('expanded-grant-only') && !grantAllows(stored.tokens.scope, req)) {
      throw new OAuthClientError('PermissionMissing', `the granted scope "${stored.tokens.scope}" has no permission for ${req.path.split('?')[0]}`)
    }
    // REFRESH-09: refresh shortly before expiry, by the client's own clock, rather than send a dead token.
    const expiring = stored.tokens.expiresAt !== undefined && stored.tokens.expiresAt - EXPIRY_MARGIN_MS <= this.client.clock.local()
    if (expiring && !this.client.flaws.has('no-proactive-refresh')) {
      stored = await this.client.refresh(this.did, stored.tokens.accessToken)
    }
    const res = await this.#send(stored, req)
    const flaws = this.client.flaws
    // RES-03: 401 invalid_token means the access token is dead: refresh once and retry once (REFRESH-04).
    // A 403 is a permission problem that a refresh cannot fix (REFRESH-07).
    const www = res.headers.get('www-authenticate')
    const invalidToken = res.status === 401 && (www ? dpopChallengeError(www) : errorCode(res)) === 'invalid_token'
    // RES-05: any 403 is a permission problem, whatever its error name; the flaw knows only the reference's name.
    const unknown403 = res.status === 403 && errorCode(res) !== 'ScopeMissingError' && flaws.has('scope-error-name-only')
    // RES-03: a 401 that is still a nonce challenge after the one retry is no expired token; the flaw refreshes anyway.
    const anyUnauthorized = res.status === 401 && flaws.has('refresh-on-any-401')
    const retry = (invalidToken && !flaws.has('no-refresh-on-401')) || anyUnauthorized || (res.status === 403 && flaws.has('refresh-on-403')) || unknown403
    if (!retry) return res
    const refreshed = await this.client.refresh(this.did, stored.tokens.accessToken)
    return this.#send(refreshed, req)
  }

  /**
   * Signs out: revokes the tokens at the AS (REVOKE-01/02), then deletes the session, even when revocation failed
   * (REVOKE-03: the client cannot rely on it, and the user asked to be signed out).
   */
  async signOut(): Promise<void> {
    const stored = this.#stored()
    const { client } = this
    const sessions = client.options.stores.sessions
    if (!client.flaws.has('no-revoke')) {
      let failure: string | undefined
      try {
        const key = await DpopKey.fromJwk(stored.dpopKey)
        const res = await client.revoke(client.signer(key, key.thumbprint), stored.metadata, stored.tokens)
        if (res && res.status !== 200) failure = `HTTP ${res.status}${describeError(res)}`
      } catch (err) {
        failure = (err as Error).message
      }
      if (failure && client.flaws.has('keep-session-on-revoke-error')) {
        throw new OAuthClientError('RevocationFailed', `revocation at ${stored.metadata.revocation_endpoint} failed (${failure}); the session is kept`)
      }
      if (client.flaws.has('keep-tokens-after-sign-out')) return
    }
    sessions.delete(this.did)
  }
}
