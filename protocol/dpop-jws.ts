import { createPrivateKey, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'

/**
 * The JWS half of a DPoP check as the reference runs it: jose 5 `jwtVerify(proof, EmbeddedJWK, { typ:
 * 'dpop+jwt', maxTokenAge: 10, clockTolerance: 180 })` (oauth-provider dpop/dpop-manager.js). The checks
 * come in jose's order and fail with jose's messages; a failure that jose raises as a plain TypeError (a key
 * that does not fit the alg, a symmetric alg) has no message, and the reference then says only "Failed to
 * verify DPoP proof". Kept apart from protocol/jws.ts, whose messages other checks rely on.
 */

/** A JWS failure: `message` is jose's, or undefined where the reference words it with the title alone. */
export class ProofJwsError extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? 'Failed to verify DPoP proof')
  }
}

export interface ProofJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  alg: string
}

// Reference: jose jwtVerify with maxTokenAge 10 s and clockTolerance 180 s (reference-wire.md §3 notes).
const MAX_AGE_S = 10
const TOLERANCE_S = 180

const fail = (reason?: string): never => {
  throw new ProofJwsError(reason)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

const EC_CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES256K: 'secp256k1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
}
const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/** jose's keyForCrypto(): the verify options for `alg`, or its error when the key does not fit. */
function verifyOptions(alg: string, key: KeyObject): Record<string, unknown> {
  const type = key.asymmetricKeyType
  if (alg === 'EdDSA' || alg === 'Ed25519') {
    if (type !== 'ed25519' && (alg === 'Ed25519' || type !== 'ed448')) fail()
    return {}
  }
  if (/^RS(256|384|512)$/.test(alg) || /^PS(256|384|512)$/.test(alg)) {
    if (type !== 'rsa' && !(alg.startsWith('PS') && type === 'rsa-pss')) fail()
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) fail()
    return alg.startsWith('PS') ? { padding: 6, saltLength: -1 } : {}
  }
  if (alg in EC_CURVES) {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== EC_CURVES[alg]) fail()
    return { dsaEncoding: 'ieee-p1363' }
  }
  return fail(`alg ${alg} is not supported either by JOSE or your javascript runtime`)
}

/** Verifies signature, typ and time claims of a proof; `nowS` is the real time in seconds. */
export function verifyProofJws(token: string, nowS: number): ProofJws {
  const parts = token.split('.')
  if (parts.length !== 3) fail('Invalid Compact JWS')
  const [h, p, s] = parts as [string, string, string]
  let parsed: unknown
  try {
    parsed = decodeJson(h)
  } catch {
    return fail('JWS Protected Header is invalid')
  }
  // jose spreads the parsed header into an object, so a header that is not an object has no "alg".
  const header: Record<string, unknown> = isObject(parsed) ? parsed : {}
  const alg = header.alg
  if (typeof alg !== 'string' || alg === '') return fail('JWS "alg" (Algorithm) Header Parameter missing or invalid')

  // EmbeddedJWK key getter, then checkKeyTypeWithJwk().
  const jwk = header.jwk
  if (!isObject(jwk)) return fail('"jwk" (JSON Web Key) Header Parameter must be a JSON object')
  let key: KeyObject
  if (jwk.kty === 'oct') {
    return fail(typeof jwk.k === 'string' && jwk.k ? '"jwk" (JSON Web Key) Header Parameter must be a public key' : undefined)
  } else if (jwk.kty === 'RSA' || jwk.kty === 'EC' || jwk.kty === 'OKP') {
    if (jwk.kty === 'RSA' && jwk.oth !== undefined) fail('RSA JWK "oth" (Other Primes Info) Parameter value is not supported')
    try {
      key = jwk.d !== undefined ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPublicKey({ key: jwk as never, format: 'jwk' })
    } catch {
      return fail()
    }
  } else {
    return fail('Unsupported "kty" (Key Type) Parameter value')
  }
  if (key.type !== 'public') fail('"jwk" (JSON Web Key) Header Parameter must be a public key')
  if (alg.startsWith('HS') || alg === 'dir' || alg.startsWith('PBES2') || /^A\d{3}(?:GCM)?KW$/.test(alg)) fail()

  const options = verifyOptions(alg, key)
  const hash = alg.startsWith('Ed') ? null : HASHES[alg.slice(-3)]!
  let verified = false
  try {
    verified = cryptoVerify(hash, Buffer.from(`${h}.${p}`), { key, ...options } as never, Buffer.from(s, 'base64url'))
  } catch {
    verified = false
  }
  if (!verified) fail('signature verification failed')

  // jwtPayload(): claims set, typ, then the time claims.
  let payload: unknown
  try {
    payload = decodeJson(p)
  } catch {
    payload = undefined
  }
  if (!isObject(payload)) return fail('JWT Claims Set must be a top-level JSON object')
  const normalise = (t: string) => t.toLowerCase().replace(/^application\//, '')
  if (typeof header.typ !== 'string' || normalise(header.typ) !== 'dpop+jwt') fail('unexpected "typ" JWT header value')
  if (!('iat' in payload)) fail('missing required "iat" claim')
  const now = Math.floor(nowS)
  const { iat, nbf, exp } = payload
  if (typeof iat !== 'number') return fail('"iat" claim must be a number')
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') fail('"nbf" claim must be a number')
    if ((nbf as number) > now + TOLERANCE_S) fail('"nbf" claim timestamp check failed')
  }
  if (exp !== undefined) {
    if (typeof exp !== 'number') fail('"exp" claim must be a number')
    if ((exp as number) <= now - TOLERANCE_S) fail('"exp" claim timestamp check failed')
  }
  const age = now - iat
  if (age - TOLERANCE_S > MAX_AGE_S) fail('"iat" claim timestamp check failed (too far in the past)')
  if (age < -TOLERANCE_S) fail('"iat" claim timestamp check failed (it should be in the past)')
  return { header, payload, alg }
}
