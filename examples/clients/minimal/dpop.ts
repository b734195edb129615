/**
 * DPoP (RFC 9449): the per-session key, proofs, the per-origin nonce cache and the fetch that retries a nonce
 * challenge once.
 */
import { createHash, randomBytes } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import type { Flaws } from './flaws.ts'
import type { ClientClock } from './clock.ts'
import { errorCode, OAuthClientError, send, type HttpResult } from './http.ts'

/**
 * DPoP algorithms this client can sign with (jose cannot sign ES256K), best first. DPOP-03: ES256 must be
 * supported and is preferred; another one is used only when the AS lists it and not ES256.
 */
const SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']

/** Picks the proof algorithm from the AS metadata `dpop_signing_alg_values_supported` (DPOP-03). */
export function chooseDpopAlg(supported: unknown, flaws: Flaws): string {
  if (flaws.has('ignore-dpop-algs')) return 'ES384'
  const listed = Array.isArray(supported) ? supported : []
  const alg = SIGNING_ALGS.find((a) => listed.includes(a))
  if (!alg) {
    throw new OAuthClientError(
      'UnsupportedDpopAlg',
      `the authorization server lists dpop_signing_alg_values_supported ${JSON.stringify(supported)}; this client signs with ${SIGNING_ALGS.join(', ')} (ES256 is mandatory in atproto)`,
    )
  }
  return alg
}

/** What a session stores to use its key again after a restart: the private JWK and the algorithm. */
export interface StoredDpopKey {
  alg: string
  jwk: JWK
}

/** A DPoP key pair. One per login/session (DPOP-01), used from PAR to sign-out (DPOP-02). */
export class DpopKey {
  private constructor(
    readonly alg: string,
    readonly stored: StoredDpopKey,
    private readonly privateKey: CryptoKey | Uint8Array,
    /** The public half only (DPOP-04: no private members in the proof header). */
    readonly publicJwk: JWK,
    /** RFC 7638 thumbprint: the key's identity (the AS binds tokens to it as `cnf.jkt`). */
    readonly thumbprint: string,
  ) {}

  static async generate(alg: string): Promise<DpopKey> {
    const pair = await generateKeyPair(alg, { extractable: true })
    return DpopKey.fromJwk({ alg, jwk: await exportJWK(pair.privateKey) })
  }

  static async fromJwk(stored: StoredDpopKey): Promise<DpopKey> {
    const key = await importJWK(stored.jwk, stored.alg)
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ext: _ext, ...publicJwk } = stored.jwk
    return new DpopKey(stored.alg, stored, key, publicJwk, await calculateJwkThumbprint(publicJwk))
  }

  /** A proof for one HTTP request (RFC 9449 §4.2): only the standard claims (DPOP-08). */
  proof(claims: { jti: string; htm: string; htu: string; nonce?: string; ath?: string }, now: number): Promise<string> {
    // DPOP-10: iat from the client's corrected clock, never ahead of the server's.
    const payload: Record<string, unknown> = { jti: claims.jti, htm: claims.htm, htu: claims.htu, iat: Math.floor(now / 1000) }
    if (claims.nonce !== undefined) payload.nonce = claims.nonce
    if (claims.ath !== undefined) payload.ath = claims.ath
    return new SignJWT(payload).setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.publicJwk }).sign(this.privateKey)
  }
}

/** base64url(SHA-256(access token)): the `ath` claim binding a resource proof to its token (DPOP-06). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/**
 * DPoP nonces, one per (session, server origin) (NONCE-09: an entryway AS and its PDS have different nonces;
 * sending one server's nonce to the other only earns a challenge). The session is named by its DPoP key
 * thumbprint, so the nonce learned at PAR carries over to the token request (NONCE-05).
 */
export class NonceCache {
  readonly #nonces = new Map<string, string>()
  constructor(private readonly flaws: Flaws) {}

  #key(session: string, origin: string): string {
    return this.flaws.has('shared-nonce-cache') ? session : `${session} ${origin}`
  }

  get(session: string, origin: string): string | undefined {
    return this.#nonces.get(this.#key(session, origin))
  }

  /** NONCE-03: the nonce of every response replaces the stored one, challenge or not. */
  learn(session: string, origin: string, nonce: string, fromChallenge: boolean): void {
    const key = this.#key(session, origin)
    if (this.flaws.has('stale-nonce') && (!fromChallenge || this.#nonces.has(key))) return
    this.#nonces.set(key, nonce)
  }
}

/** One challenge of a `WWW-Authenticate` header (RFC 7235 §4.1). */
export interface AuthChallenge {
  scheme: string
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>
}

/**
 * Parses `WWW-Authenticate` (RFC 7235 §2.1): challenges separated by commas, each a scheme followed by
 * `name=value` parameters whose value is a token or a quoted string. NONCE-08: `error=use_dpop_nonce` and
 * `error="use_dpop_nonce"` mean the same, and the scheme is case-insensitive.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  const isTokenChar = (c: string | undefined) => c !== undefined && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(c)
  let i = 0
  const skipSpace = () => {
    while (header[i] === ' ' || header[i] === '\t') i++
  }
  const token = () => {
    const start = i
    while (isTokenChar(header[i])) i++
    return header.slice(start, i)
  }
  let current: AuthChallenge | undefined
  while (i < header.length) {
    skipSpace()
    if (header[i] === ',') {
      i++
      continue
    }
    const name = token()
    if (!name) {
      i++ // not a token character (e.g. part of a token68): skip it
      continue
    }
    skipSpace()
    if (header[i] === '=' && current) {
      i++
      skipSpace()
      let value = ''
      if (header[i] === '"') {
        i++
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\') i++ // quoted-pair
          value += header[i] ?? ''
          i++
        }
        i++ // closing quote
      } else {
        value = token()
      }
      current.params[name.toLowerCase()] = value
    } else {
      current = { scheme: name, params: {} }
      challenges.push(current)
    }
  }
  return challenges
}

/** The `error` of the DPoP challenge in a `WWW-Authenticate` header, if there is one. */
export function dpopChallengeError(header: string | null): string | undefined {
  if (!header) return undefined
  return parseWwwAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'dpop')?.params.error
}

/** Which kind of server answers: the AS (RFC 9449 §8) or a resource server (§9) signal nonces differently. */
export type ServerKind = 'as' | 'rs'

/**
 * Whether a response asks for (another) nonce. AS: 400 with `{"error":"use_dpop_nonce"}` (the reference sends no
 * WWW-Authenticate there). RS: 401 with a DPoP challenge whose error is use_dpop_nonce (NONCE-02).
 */
export function isNonceChallenge(res: HttpResult, server: ServerKind, flaws: Flaws): boolean {
  const www = res.headers.get('www-authenticate')
  if (server === 'as') {
    return (res.status === 400 && errorCode(res) === 'use_dpop_nonce') || (res.status === 401 && dpopChallengeError(www) === 'use_dpop_nonce')
  }
  if (res.status !== 401 || !www) return false
  if (flaws.has('strict-challenge-match')) return www.startsWith('DPoP ') && www.includes('error="use_dpop_nonce"')
  return dpopChallengeError(www) === 'use_dpop_nonce'
}

/** One HTTP request sent with DPoP. */
export interface DpopRequest {
  method: 'GET' | 'POST'
  url: string
  server: ServerKind
  headers?: Record<string, string>
  /** Built again for every attempt: a confidential client signs a new assertion for each (CONF-05). */
  body?: () => Promise<string | undefined>
  /** For resource requests: the access token, whose hash goes into `ath`. */
  accessToken?: string
  /** For error messages: what the request is for. */
  what: string
}

/** What a DPoP request is signed with: the session key (none: the request carries no proof) and its nonces. */
export interface DpopSigner {
  key: DpopKey | undefined
  /** Names the session in the nonce cache (its key thumbprint). */
  session: string
  nonces: NonceCache
  flaws: Flaws
  clock: ClientClock
}

/**
 * Sends a request with a DPoP proof and the nonce last seen from that origin. On a nonce challenge that brings
 * a new nonce it retries once (NONCE-01/02) with a new proof and a new jti (DPOP-05); a second challenge, or
 * one without a new nonce, is returned to the caller as is (NONCE-04: no loop).
 */
export async function dpopFetch(signer: DpopSigner, req: DpopRequest): Promise<HttpResult> {
  const { key, session, nonces, flaws, clock } = signer
  const url = new URL(req.url)
  // RFC 9449 §4.2: htu is the target URI without query and fragment.
  const htu = flaws.has('htu-with-query') ? url.origin + url.pathname + url.search : url.origin + url.pathname
  const ath = req.accessToken !== undefined && !flaws.has('no-ath') ? accessTokenHash(req.accessToken) : undefined
  const maxRetries = flaws.has('no-nonce-retry') ? 0 : flaws.has('nonce-retry-loop') ? 5 : 1
  let firstJti: string | undefined
  for (let attempt = 0; ; attempt++) {
    const nonce = nonces.get(session, url.origin)
    const headers: Record<string, string> = { ...req.headers }
    if (key) {
      const jti = flaws.has('reuse-dpop-jti') && firstJti ? firstJti : randomBytes(16).toString('base64url')
      firstJti ??= jti
      headers.DPoP = await key.proof({ jti, htm: req.method, htu, nonce, ath }, clock.now())
    }
    const res = await send(req.url, { method: req.method, headers, body: await req.body?.() }, req.what, { clock })
    const challenged = isNonceChallenge(res, req.server, flaws)
    const fresh = res.headers.get('dpop-nonce') ?? undefined
    if (fresh) nonces.learn(session, url.origin, fresh, challenged)
    if (!challenged || !key || attempt >= maxRetries) return res
    // A challenge without a new nonce cannot be answered by retrying.
    if (!fresh || (fresh === nonce && !flaws.has('nonce-retry-loop'))) return res
  }
}
