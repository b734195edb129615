import { InvalidDpopProofError, InvalidRequestError, UseDpopNonceError } from './errors.ts'
import { accessTokenHash, jwkThumbprint } from './jwk.ts'
import { ProofJwsError, verifyProofJws } from './dpop-jws.ts'
import { SUPPORTED_ALGS, tryDecodeJws } from './jws.ts'
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
  // A repeated header arrives joined with ", " and then fails as a compact JWS, as at the reference.
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
 * Verifies a DPoP proof in the reference order (reference-wire.md §11.1; oauth-provider dpop-manager.js): the
 * JWS as jose checks it (signature, typ, iat/nbf/exp; protocol/dpop-jws.ts) → nonce type → jti → htm → htu
 * → nonce missing → nonce mismatch → ath → jti replay. Returns undefined when no proof was sent. `algs`
 * (strict profile) refuses an unlisted alg right after its presence check, as jose's `algorithms` would.
 */
export function verifyDpopProof(check: DpopCheck): VerifiedProof | undefined {
  const token = readDpopHeader(check.header)
  if (token === undefined) return undefined

  if (check.algs) {
    const alg = tryDecodeJws(token)?.header.alg
    // Only an alg the harness verifies can be unlisted; any other fails in the JWS check below, as at jose.
    if (typeof alg === 'string' && SUPPORTED_ALGS.includes(alg) && !check.algs.includes(alg)) {
      fail('Failed to verify DPoP proof: "alg" (Algorithm) Header Parameter value not allowed')
    }
  }
  let jws
  try {
    jws = verifyProofJws(token, check.now / 1000)
  } catch (err) {
    if (!(err instanceof ProofJwsError)) throw err
    fail(err.reason === undefined ? 'Failed to verify DPoP proof' : `Failed to verify DPoP proof: ${err.reason}`)
  }
  const { header, payload, alg } = jws

  if (payload.nonce !== undefined && typeof payload.nonce !== 'string') fail('Invalid DPoP "nonce" type')
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) fail('DPoP "jti" missing')
  if (payload.htm !== check.htm) fail('DPoP "htm" mismatch')

  if (typeof payload.htu !== 'string' || payload.htu === '') fail('Invalid DPoP "htu" type')
  const claimed = normalisedUrl(payload.htu)
  if (!claimed) fail('DPoP "htu" is not a valid URL')
  if (claimed.username || claimed.password) fail('DPoP "htu" must not contain credentials')
  if (claimed.protocol !== 'http:' && claimed.protocol !== 'https:') fail('DPoP "htu" must be http or https')
  const expected = new URL(check.htu)
  if (claimed.origin !== expected.origin || claimed.pathname !== expected.pathname) fail('DPoP "htu" mismatch')
  if (check.strictHtu && (claimed.search !== '' || claimed.hash !== '' || /[?#]/.test(payload.htu as string))) {
    fail('DPoP "htu" must not contain a query or fragment')
  }

  const nonce = payload.nonce as string | undefined
  if (check.nonces) {
    // An empty nonce counts as none (the reference tests `!nonce`).
    if (!nonce) throw new UseDpopNonceError()
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
