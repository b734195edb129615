import type { World } from '../../harness/world.ts'
import { completeAuthorization } from '../../harness/user-agent.ts'
import { newDpopKey, newPkce, signProof, type DpopKey, type Pkce, type ProofOptions } from './dpop.ts'
import { form, header, send, type HttpResult } from './http.ts'

/** The loopback client of the raw captures (reference-wire.md "Setup"). */
export const CLIENT_ID =
  'http://localhost?redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&scope=atproto%20transition%3Ageneric'
export const REDIRECT_URI = 'http://127.0.0.1:8080/callback'
export const SCOPE = 'atproto transition:generic'

/** Browser navigation headers the reference insists on for the authorize page (reference §4). */
export const NAVIGATION_HEADERS = {
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-site': 'cross-site',
}

/**
 * How one proof differs from the well-formed one. `nonce`: undefined = the nonce last handed out by that
 * server, null = no nonce claim at all. `key`: sign with another key.
 */
export type ProofTweaks = Omit<Partial<ProofOptions>, 'nonce'> & { nonce?: string | null; key?: DpopKey }

/** The successful token response (reference §5). */
export interface Tokens {
  access_token: string
  token_type: string
  refresh_token: string
  scope: string
  expires_in: number
  sub: string
}

type Params = Record<string, string | undefined>

/**
 * A scripted OAuth client for the mocks: remembers the DPoP nonce each server handed out, retries once on
 * `use_dpop_nonce` on the good path, and runs PAR → consent → code exchange in one call each.
 */
export class TestClient {
  asNonce: string | undefined
  pdsNonce: string | undefined

  private constructor(
    readonly world: World,
    readonly key: DpopKey,
    readonly clientId: string,
  ) {}

  static async create(world: World, clientId = CLIENT_ID): Promise<TestClient> {
    return new TestClient(world, await newDpopKey(), clientId)
  }

  asUrl(path: string): string {
    return this.world.urls.issuer + path
  }

  pdsUrl(path: string): string {
    return this.world.urls.pds + path
  }

  /** A proof for `htm htu`, with this client's key and the server's last nonce unless tweaked. */
  proof(htm: string, htu: string, cachedNonce: string | undefined, tweaks: ProofTweaks = {}): Promise<string> {
    const { key, nonce, ...rest } = tweaks
    return signProof(key ?? this.key, {
      htm,
      htu,
      nonce: nonce === null ? undefined : (nonce ?? cachedNonce),
      ...rest,
    })
  }

  asProof(path: string, tweaks: ProofTweaks = {}, htm = 'POST'): Promise<string> {
    return this.proof(htm, this.asUrl(path), this.asNonce, tweaks)
  }

  #remember(res: HttpResult, server: 'as' | 'pds'): HttpResult {
    const nonce = header(res, 'dpop-nonce')
    if (nonce !== undefined) {
      if (server === 'as') this.asNonce = nonce
      else this.pdsNonce = nonce
    }
    return res
  }

  /** One POST to an AS endpoint, exactly as given (form body unless `contentType` says otherwise). */
  async post(
    path: string,
    body: Params | string,
    options: { dpop?: string; contentType?: string; headers?: Record<string, string | string[]> } = {},
  ): Promise<HttpResult> {
    const res = await send(this.asUrl(path), {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
        dpop: options.dpop,
        ...options.headers,
      },
      body: typeof body === 'string' ? body : form(body),
    })
    return this.#remember(res, 'as')
  }

  /** A DPoP-protected POST on the good path: proof with the last nonce, one retry on `use_dpop_nonce`. */
  async postWithDpop(
    path: string,
    params: Params,
    tweaks: ProofTweaks = {},
    options: { json?: boolean } = {},
  ): Promise<HttpResult> {
    const body = options.json ? JSON.stringify(dropUndefined(params)) : form(params)
    const contentType = options.json ? 'application/json' : undefined
    let res = await this.post(path, body, { dpop: await this.asProof(path, tweaks), contentType })
    if (res.status === 400 && res.json?.error === 'use_dpop_nonce' && tweaks.nonce === undefined) {
      res = await this.post(path, body, { dpop: await this.asProof(path, tweaks), contentType })
    }
    return res
  }

  /** The PAR parameters of the captures; an override of `undefined` drops the parameter. */
  parParams(pkce: Pkce, overrides: Params = {}): Params {
    return {
      client_id: this.clientId,
      response_type: 'code',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      state: `state-${Math.random().toString(36).slice(2, 10)}`,
      login_hint: 'alice.test',
      ...overrides,
    }
  }

  /** PAR with DPoP (nonce retry), or without any proof when `key` is null. */
  async par(
    overrides: Params = {},
    options: { key?: DpopKey | null; pkce?: Pkce; tweaks?: ProofTweaks } = {},
  ): Promise<{ res: HttpResult; requestUri: string; pkce: Pkce }> {
    const pkce = options.pkce ?? newPkce()
    const params = this.parParams(pkce, overrides)
    const res =
      options.key === null
        ? await this.post('/oauth/par', params)
        : await this.postWithDpop('/oauth/par', params, { key: options.key ?? undefined, ...options.tweaks })
    return { res, requestUri: res.json?.request_uri, pkce }
  }

  authorizeUrl(requestUri: string, clientId = this.clientId): string {
    const q = new URLSearchParams({ client_id: clientId, request_uri: requestUri })
    return `${this.asUrl('/oauth/authorize')}?${q}`
  }

  /** The headless user signs in as alice and approves; returns the code from the redirect. */
  async approve(requestUri: string): Promise<string> {
    const { plc } = this.world.accounts
    const response = await completeAuthorization(this.authorizeUrl(requestUri), [this.world.urls.issuer], {
      username: plc.handle,
      password: plc.password,
      decision: 'approve',
    })
    const code = response.params.get('code')
    if (!code) throw new Error(`no code in the authorization response ${response.url}`)
    return code
  }

  /** PAR + consent: a fresh authorization code. PAR fails the test helper loudly if it is refused. */
  async code(
    options: { overrides?: Params; key?: DpopKey | null; pkce?: Pkce } = {},
  ): Promise<{ code: string; pkce: Pkce }> {
    const par = await this.par(options.overrides, { key: options.key, pkce: options.pkce })
    if (par.res.status !== 201) throw new Error(`PAR refused: ${par.res.status} ${par.res.text}`)
    return { code: await this.approve(par.requestUri), pkce: par.pkce }
  }

  tokenParams(code: string, verifier: string, overrides: Params = {}): Params {
    return {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: this.clientId,
      ...overrides,
    }
  }

  /** The code exchange on the good path (DPoP with nonce retry). */
  exchange(code: string, verifier: string, options: { overrides?: Params; tweaks?: ProofTweaks } = {}) {
    return this.postWithDpop('/oauth/token', this.tokenParams(code, verifier, options.overrides), options.tweaks)
  }

  /** A whole login: PAR, consent, exchange; the token response must be 200. */
  async login(): Promise<{ tokens: Tokens; pkce: Pkce; code: string }> {
    const { code, pkce } = await this.code()
    const res = await this.exchange(code, pkce.verifier)
    if (res.status !== 200) throw new Error(`code exchange refused: ${res.status} ${res.text}`)
    return { tokens: res.json as Tokens, pkce, code }
  }

  refresh(refreshToken: string, options: { overrides?: Params; tweaks?: ProofTweaks } = {}) {
    return this.postWithDpop(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.clientId, ...options.overrides },
      options.tweaks,
    )
  }

  /** Revocation with this client's key (nonce retry), or with no proof when `key` is null. */
  revoke(token: string, options: { key?: DpopKey | null; overrides?: Params } = {}) {
    const params = { token, client_id: this.clientId, ...options.overrides }
    if (options.key === null) return this.post('/oauth/revoke', params)
    return this.postWithDpop('/oauth/revoke', params, { key: options.key })
  }

  /**
   * One XRPC call to the PDS with `Authorization: DPoP <token>` and a proof (ath, nonce). On the good path it
   * retries once on `use_dpop_nonce`; `retry: false` sends exactly one request. `authorization` and `dpop`
   * replace the headers outright (null = leave the header out).
   */
  async xrpc(
    path: string,
    options: {
      token?: string
      method?: string
      tweaks?: ProofTweaks
      authorization?: string | null
      dpop?: string | null
      body?: unknown
      retry?: boolean
      /** Extra request headers (e.g. `atproto-proxy`, a blob's `content-type`). */
      headers?: Record<string, string>
    } = {},
  ): Promise<HttpResult> {
    const method = options.method ?? 'GET'
    const htu = this.pdsUrl(path.split('?')[0]!)
    const attempt = async () => {
      const dpop =
        options.dpop !== undefined
          ? (options.dpop ?? undefined)
          : await this.proof(method, htu, this.pdsNonce, { accessToken: options.token, ...options.tweaks })
      const authorization =
        options.authorization !== undefined ? (options.authorization ?? undefined) : `DPoP ${options.token}`
      const res = await send(this.pdsUrl(path), {
        method,
        headers: {
          authorization,
          dpop,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        body: typeof options.body === 'string' ? options.body : options.body !== undefined ? JSON.stringify(options.body) : undefined,
      })
      return this.#remember(res, 'pds')
    }
    let res = await attempt()
    const retry = options.retry ?? true
    if (retry && res.status === 401 && res.json?.error === 'use_dpop_nonce' && options.tweaks?.nonce === undefined) {
      res = await attempt()
    }
    return res
  }

  /** Learns the AS nonce without using any proof: every /oauth/par answer carries one (§2). */
  async warmAs(): Promise<string> {
    if (this.asNonce === undefined) await this.post('/oauth/par', {})
    if (this.asNonce === undefined) throw new Error('the AS sent no DPoP-Nonce')
    return this.asNonce
  }

  /** Makes sure the PDS nonce is known (one call that is answered with use_dpop_nonce, then cached). */
  async warmPds(token: string): Promise<void> {
    if (this.pdsNonce === undefined) await this.xrpc('/xrpc/com.atproto.server.getSession', { token })
  }
}

function dropUndefined(params: Params): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>
}
