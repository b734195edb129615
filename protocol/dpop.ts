import { InvalidDpopProofError, InvalidRequestError, UseDpopNonceError } from './errors.ts'
import { accessTokenHash, jwkThumbprint } from './jwk.ts'
import { decodeJws, importPublicJwk, JwsError, SUPPORTED_ALGS, verifyJwsSignature } from './jws.ts'
import type { NonceManager, ReplayStore } from './nonce.ts'

/** What a server needs to judge one DPoP proof. */
export interface DpopCheck {
  /** The raw `DPoP` header value(s) of the request. */
  header: string | string[] | undefined
  /** HTTP method of the request. */
  htm: string
  /** The URL the proof must name: the server's public origin + request path (reference-wire.md §11.1). */
  htu: string
  /** Real time in ms; `iat` is judged against it since the client signs with its own clock. */
  now: number
  /** The access token presented with the request (resource calls): `ath` must match it. */
  accessToken?: string
  /** Nonce source; when given, the proof must carry one of its nonces. */
  nonces?: NonceManager
  /** jti replay store (one per World, shared by AS and PDS as in the reference). */
  replay: ReplayStore
  /** Allowed `alg` values; every supported asymmetric alg when omitted (reference accepts even EdDSA). */
  algs?: readonly string[]
  /** Strict profile: refuse an `htu` carrying a query or fragment (RFC 9449 §4.2). */
  strictHtu?: boolean
}

/** A proof that passed every check. */
export interface VerifiedProof {
  jkt: string
  jti: string
  alg: string
  nonce?: string
  payload: Record<string, unknown>
}

// Reference: jose jwtVerify with maxTokenAge 10 s and clockTolerance 180 s (reference-wire.md §3 notes).
const MAX_AGE_S = 10
const TOLERANCE_S = 180

function fail(description: string): never {
  throw new InvalidDpopProofError(description)
}

/** Reads the single DPoP header; undefined when absent. */
export function readDpopHeader(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header)) {
    if (header.length > 1) fail('DPoP header must contain a single proof')
    header = header[0] ?? ''
  }
  if (header.includes(',')) fail('DPoP header must contain a single proof')
  if (header.trim() === '') fail('DPoP header cannot be empty')
  return header.trim()
}

function normalisedUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/**
 * Verifies a DPoP proof in the reference order (reference-wire.md §11.1): signature/typ/iat → nonce type →
 * jti → htm → htu → nonce missing → nonce mismatch → ath → jti replay. Returns undefined when no proof was sent.
 */
export function verifyDpopProof(check: DpopCheck): VerifiedProof | undefined {
  const token = readDpopHeader(check.header)
  if (token === undefined) return undefined

  let jws
  try {
    jws = decodeJws(token)
  } catch (err) {
    fail(`Failed to verify DPoP proof: ${(err as Error).message}`)
  }
  const { header, payload } = jws
  if (header.typ !== 'dpop+jwt') fail('Failed to verify DPoP proof: unexpected "typ" JWT header value')
  const alg = header.alg
  if (typeof alg !== 'string' || !SUPPORTED_ALGS.includes(alg)) {
    fail(`Failed to verify DPoP proof: Unsupported "alg" value for a DPoP proof`)
  }
  if (check.algs && !check.algs.includes(alg)) {
    fail(`Failed to verify DPoP proof: "alg" (Algorithm) Header Parameter value not allowed`)
  }
  let key
  try {
    key = importPublicJwk(header.jwk, alg)
  } catch (err) {
    fail(`Failed to verify DPoP proof: ${err instanceof JwsError ? err.message : 'invalid jwk'}`)
  }
  if (!verifyJwsSignature(jws, key, alg)) fail('Failed to verify DPoP proof: signature verification failed')

  const iat = payload.iat
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    fail('Failed to verify DPoP proof: "iat" claim must be a number')
  }
  const nowS = check.now / 1000
  if (iat > nowS + TOLERANCE_S) {
    fail('Failed to verify DPoP proof: "iat" claim timestamp check failed (it should be in the past)')
  }
  if (nowS - iat - TOLERANCE_S > MAX_AGE_S) {
    fail('Failed to verify DPoP proof: "iat" claim timestamp check failed (too far in the past)')
  }

  if (payload.nonce !== undefined && typeof payload.nonce !== 'string') fail('Invalid DPoP "nonce" type')
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) fail('DPoP "jti" missing')
  if (payload.htm !== check.htm) fail('DPoP "htm" mismatch')

  const claimed = typeof payload.htu === 'string' ? normalisedUrl(payload.htu) : undefined
  const expected = new URL(check.htu)
  if (!claimed || claimed.origin !== expected.origin || claimed.pathname !== expected.pathname) {
    fail('DPoP "htu" mismatch')
  }
  if (check.strictHtu && (claimed.search !== '' || claimed.hash !== '' || /[?#]/.test(payload.htu as string))) {
    fail('DPoP "htu" must not contain a query or fragment')
  }

  const nonce = payload.nonce as string | undefined
  if (check.nonces) {
    if (nonce === undefined) throw new UseDpopNonceError()
    if (!check.nonces.check(nonce)) throw new UseDpopNonceError('DPoP "nonce" mismatch')
  }

  if (check.accessToken !== undefined) {
    if (payload.ath !== accessTokenHash(check.accessToken)) fail('DPoP "ath" mismatch')
  } else if (payload.ath !== undefined) {
    fail('DPoP "ath" claim not allowed')
  }

  const jkt = jwkThumbprint(header.jwk)
  if (!jkt) fail('Failed to verify DPoP proof: "jwk" cannot be fingerprinted')
  // Recorded only after every other check passed: a proof refused for its nonce keeps its jti usable.
  if (!check.replay.unique(`${jkt}:${payload.jti}`)) fail('DPoP proof replayed')

  return { jkt, jti: payload.jti, alg, nonce, payload }
}

/** A `dpop_jkt` form parameter must be a thumbprint-shaped string (RFC 9449 §10). */
export function parseDpopJkt(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    throw new InvalidRequestError('Invalid "dpop_jkt" parameter')
  }
  return value
}
