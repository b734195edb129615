/**
 * One side of a differential exchange: a client that talks to one target (the real server or a World) with
 * its own DPoP keys, nonces, cookies and handed-out values, so the same abstract case means the same thing
 * on both sides. Every request goes through `exchange`, which records it for the comparison and the capture
 * file.
 */
import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { hiddenInputs } from '../../harness/user-agent.ts'
import { jwkThumbprint } from '../../protocol/jwk.ts'
import { keyPairSync } from '../../protocol/key-pair.ts'
import { form, header, send, type HttpResult, type SendOptions } from '../http.ts'
import { signCompact } from '../proofs.ts'
import type { Target } from '../target.ts'

export const CLIENT_REDIRECT = 'http://127.0.0.1:8080/callback'
export const CLIENT_SCOPE = 'atproto transition:generic'
/** The loopback client the recordings used. */
export const CLIENT_ID = loopbackClientId(CLIENT_SCOPE)

/** A loopback client id (the AS builds its metadata from the query): our redirect_uri and this scope. */
export function loopbackClientId(scope: string): string {
  return `http://localhost?redirect_uri=${encodeURIComponent(CLIENT_REDIRECT)}&scope=${encodeURIComponent(scope)}`
}

const NAVIGATION = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html' }

export interface DpopKey {
  privateKey: KeyObject
  jwk: Record<string, unknown>
  jkt: string
}

export function newKey(): DpopKey {
  const { privateKey, publicJwk } = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
  const { kty, crv, x, y } = publicJwk
  const jwk = { kty, crv, x, y }
  return { privateKey, jwk, jkt: jwkThumbprint(jwk as never) as string }
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

/** What a case may change in a DPoP proof: header and claim overrides (`undefined` removes one). */
export interface ProofShape {
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  /** Sign with this key but put another in the header (a proof that does not verify). */
  signWith?: DpopKey
  /** Replace the signature with garbage. */
  badSignature?: boolean
}

/** One request and its answer as the capture file and the comparison see them. */
export interface Exchange {
  label: string
  request: { method: string; url: string; headers: Record<string, string>; body: string | null }
  response: HttpResult
  /** Compared with the other side (false for setup steps such as the sign-in). */
  compared: boolean
  /** Compare only these facts (a UI step whose own shape differs by design, compared on its outcome). */
  only?: string[]
  /** An observation the case made (how many of two concurrent requests won), compared as text. */
  observation?: string
}

function apply(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) delete out[k]
    else out[k] = v
  }
  return out
}

export class Agent {
  readonly key = newKey()
  readonly exchanges: Exchange[] = []
  readonly #nonces = new Map<string, string>()
  readonly #cookies = new Map<string, string>()
  /** Values this side was handed out, by the name a case gives them (code, refresh token…). */
  readonly values = new Map<string, string>()
  /** The client this agent logs in as (the recordings' loopback client unless a case declares another scope). */
  clientId = CLIENT_ID
  clientScope = CLIENT_SCOPE

  /** Logs in from now on as a loopback client declaring this scope (granular permissions). */
  useClientScope(scope: string): void {
    this.clientScope = scope
    this.clientId = loopbackClientId(scope)
  }

  constructor(readonly target: Target) {}

  get issuer(): string {
    return this.target.issuer
  }

  get pds(): string {
    return this.target.pds
  }

  nonceFor(origin: string): string | undefined {
    return this.#nonces.get(origin)
  }

  /** A DPoP proof for a request, with the case's variations. */
  proof(htm: string, htu: string, shape: ProofShape = {}, key: DpopKey = this.key, ath?: string): string {
    const origin = new URL(htu).origin
    const header = apply({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }, shape.header)
    const nonce = this.#nonces.get(origin)
    const claims = apply(
      { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), ...(nonce ? { nonce } : {}), ...(ath ? { ath } : {}) },
      shape.claims,
    )
    const jws = signCompact('ES256', (shape.signWith ?? key).privateKey, header, claims)
    return shape.badSignature ? `${jws.slice(0, jws.lastIndexOf('.'))}.${randomBytes(64).toString('base64url')}` : jws
  }

  #cookieHeader(): string | undefined {
    return this.#cookies.size === 0 ? undefined : [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  #learn(res: HttpResult, origin: string): void {
    const nonce = header(res, 'dpop-nonce')
    if (nonce) this.#nonces.set(origin, nonce)
    for (const [k, v] of res.rawHeaders) {
      if (k.toLowerCase() !== 'set-cookie') continue
      const pair = v.split(';')[0]!
      const i = pair.indexOf('=')
      if (i > 0) this.#cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim())
    }
  }

  /** Sends one request, learns nonces and cookies from the answer, and keeps it. */
  async exchange(
    label: string,
    url: string,
    options: SendOptions & { cookies?: boolean; compared?: boolean; only?: string[] } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k] = v
    if (options.cookies) {
      const cookie = this.#cookieHeader()
      if (cookie) headers.cookie = cookie
    }
    const body = options.body === undefined ? null : options.body.toString()
    const method = options.method ?? 'GET'
    const response = await send(url, { method, headers, body: options.body })
    this.#learn(response, new URL(url).origin)
    const recorded = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]))
    this.exchanges.push({ label, request: { method, url, headers: recorded, body }, response, compared: options.compared ?? true, only: options.only })
    return response
  }

  /** Records an observation to compare with the other side's (no request is sent). */
  observe(label: string, value: string): void {
    const response = { status: 0, headers: {}, rawHeaders: [], text: '', json: undefined }
    this.exchanges.push({ label, request: { method: 'NOTE', url: '', headers: {}, body: null }, response, compared: true, observation: value })
  }

  /** Learns the AS nonce with a PAR that has no parameters (no side effect, as the probe does). */
  async warm(origin = this.issuer): Promise<void> {
    if (this.#nonces.has(origin)) return
    if (origin === this.pds && this.pds !== this.issuer) {
      await this.exchange('warm-pds', `${origin}/xrpc/com.atproto.server.getSession`, { headers: { authorization: 'DPoP not.a.jwt' }, compared: false })
    } else {
      await this.exchange('warm', `${origin}/oauth/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', compared: false })
    }
  }

  /** The parameters of a correct PAR for the recorded loopback client. */
  static parParams(verifier: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: CLIENT_REDIRECT,
      scope: CLIENT_SCOPE,
      state: `st-${randomBytes(6).toString('hex')}`,
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }
  }

  /** A correct PAR (with the nonce learned first); returns the request_uri. */
  async goodPar(verifier: string, extra: Record<string, string | undefined> = {}, label = 'setup-par'): Promise<string | undefined> {
    await this.warm()
    const url = `${this.issuer}/oauth/par`
    const res = await this.exchange(label, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: this.proof('POST', url) },
      body: form(Agent.parParams(verifier, { client_id: this.clientId, scope: this.clientScope, ...extra })),
      compared: label !== 'setup-par',
    })
    const uri = res.json?.request_uri
    if (typeof uri === 'string') this.#requestedScope.set(uri, extra.scope ?? this.clientScope)
    return typeof uri === 'string' ? uri : undefined
  }

  /** The scope each pushed request asked for (the reference's consent call names what the user approves). */
  readonly #requestedScope = new Map<string, string>()

  authorizeUrl(requestUri: string, clientId = this.clientId): string {
    return `${this.issuer}/oauth/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`
  }

  /** Opens the authorization page as a browser would (cookies kept), or as another browser (none sent). */
  async openAuthorize(requestUri: string, label = 'authorize-page', compared = true, browser: 'same' | 'other' = 'same'): Promise<HttpResult> {
    return this.exchange(label, this.authorizeUrl(requestUri), { headers: NAVIGATION, cookies: browser === 'same', compared })
  }

  /**
   * Signs in and approves on the page last opened, through the target's own UI (the reference UI API, or the
   * mock's consent form); returns the redirect to the client (its Location carries code, state and iss).
   */
  async consent(requestUri: string, page: HttpResult, decision: 'approve' | 'deny' = 'approve', compareOutcome = false): Promise<HttpResult> {
    // The reference ends in GET /oauth/authorize/redirect, the mock in its form's POST: compared on the outcome.
    const outcome = compareOutcome ? { compared: true, only: ['status', 'location'] } : { compared: false }
    const referer = this.authorizeUrl(requestUri)
    if (page.text.includes('__authorizeData')) {
      const csrf = this.#cookies.get('csrf-token') ?? ''
      const api = (path: string, body: unknown, extra: Record<string, string> = {}) =>
        this.exchange(`ui-${path}`, `${this.issuer}/@atproto/oauth-provider/~api/${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'sec-fetch-mode': 'same-origin',
            'sec-fetch-site': 'same-origin',
            'sec-fetch-dest': 'empty',
            origin: this.issuer,
            referer,
            'x-csrf-token': csrf,
            ...extra,
          },
          body: JSON.stringify(body),
          cookies: true,
          compared: false,
        })
      const signIn = await api('sign-in', { locale: 'en', username: this.target.account.handle, password: this.target.account.password, remember: false })
      const did = signIn.json?.account?.did
      const bearer = signIn.json?.ephemeralToken
      if (typeof did !== 'string' || typeof bearer !== 'string') return signIn
      if (decision === 'deny') {
        const rejected = await api('reject', {}, { authorization: `Bearer ${bearer}` })
        return typeof rejected.json?.url === 'string' ? this.#follow(rejected.json.url, referer, outcome) : rejected
      }
      const approved = await api('consent', { did, scope: this.#requestedScope.get(requestUri) ?? this.clientScope }, { authorization: `Bearer ${bearer}` })
      return typeof approved.json?.url === 'string' ? this.#follow(approved.json.url, referer, outcome) : approved
    }
    const fields = hiddenInputs(page.text)
    fields.set('username', this.target.account.handle)
    fields.set('password', this.target.account.password)
    fields.set('decision', decision)
    return this.exchange('ui-consent', `${this.issuer}/oauth/authorize/consent`, {
      method: 'POST',
      headers: { ...NAVIGATION, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
      cookies: true,
      ...outcome,
    })
  }

  #follow(url: string, referer: string, outcome: { compared: boolean; only?: string[] }): Promise<HttpResult> {
    return this.exchange('ui-redirect', url, { headers: { ...NAVIGATION, 'sec-fetch-site': 'same-origin', referer }, cookies: true, ...outcome })
  }

  /** A whole login up to the callback: PAR, page, sign-in and consent. Returns the code (or undefined). */
  async login(verifier: string, extra: Record<string, string | undefined> = {}, compareOutcome = false): Promise<{ code?: string; requestUri?: string; redirect?: HttpResult }> {
    const requestUri = await this.goodPar(verifier, extra)
    if (!requestUri) return {}
    const page = await this.openAuthorize(requestUri, 'setup-authorize', false)
    const redirect = await this.consent(requestUri, page, 'approve', compareOutcome)
    const location = header(redirect, 'location')
    const code = location ? (new URL(location).searchParams.get('code') ?? undefined) : undefined
    return { code, requestUri, redirect }
  }

  /** The code exchange, correct unless the case changes it. */
  async token(params: Record<string, string | undefined>, options: { label?: string; proof?: ProofShape; key?: DpopKey; compared?: boolean; headers?: Record<string, string> } = {}): Promise<HttpResult> {
    const url = `${this.issuer}/oauth/token`
    return this.exchange(options.label ?? 'token', url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: this.proof('POST', url, options.proof, options.key), ...options.headers },
      body: form(params),
      compared: options.compared,
    })
  }

  #session: Promise<{ accessToken?: string; refreshToken?: string; did?: string }> | undefined

  /** One session for the cases that only need a token (made once per agent, not compared). */
  ensureSession(): Promise<{ accessToken?: string; refreshToken?: string; did?: string }> {
    this.#session ??= this.session().then((res) => ({
      accessToken: res?.json?.access_token,
      refreshToken: res?.json?.refresh_token,
      did: res?.json?.sub,
    }))
    return this.#session
  }

  /** A login and the code exchange: the token response (access and refresh token in `values`). */
  async session(verifier = randomBytes(32).toString('base64url'), extra: Record<string, string | undefined> = {}): Promise<HttpResult | undefined> {
    const { code } = await this.login(verifier, extra)
    if (!code) return undefined
    const res = await this.token(
      { grant_type: 'authorization_code', code, redirect_uri: CLIENT_REDIRECT, code_verifier: verifier, client_id: this.clientId },
      { label: 'setup-token', compared: false },
    )
    if (typeof res.json?.access_token === 'string') this.values.set('access_token', res.json.access_token)
    if (typeof res.json?.refresh_token === 'string') this.values.set('refresh_token', res.json.refresh_token)
    return res
  }
}
