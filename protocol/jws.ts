import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'

/** A decoded (not yet verified) compact JWS. */
export interface DecodedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

/** Thrown for a malformed or unverifiable JWS; the message is the reference-style reason. */
export class JwsError extends Error {}

const B64URL = /^[A-Za-z0-9_-]*$/

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw new JwsError(`Invalid Compact JWS`)
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new JwsError(`Invalid Compact JWS: ${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwsError(`Invalid Compact JWS: ${what} must be a JSON object`)
  }
  return value as Record<string, unknown>
}

/** Splits and decodes a compact JWS without checking its signature. */
export function decodeJws(token: string): DecodedJws {
  const parts = token.split('.')
  if (parts.length !== 3) throw new JwsError('Invalid Compact JWS')
  const [h, p, s] = parts as [string, string, string]
  if (!B64URL.test(s)) throw new JwsError('Invalid Compact JWS')
  return {
    header: decodeJsonPart(h, 'protected header'),
    payload: decodeJsonPart(p, 'payload'),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  }
}

/** Decodes a JWS and swallows errors: for transcripts and checks, which must never throw. */
export function tryDecodeJws(token: string): DecodedJws | undefined {
  try {
    return decodeJws(token)
  } catch {
    return undefined
  }
}

interface AlgSpec {
  hash: string | null
  kty: string
  crv?: string
  params?: { dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number }
}

// RFC 7518 §3 (+ RFC 8037 EdDSA, RFC 8812 ES256K). node:crypto verifies ES256K, which jose does not.
const PSS = { padding: 6, saltLength: -1 } // RSA_PKCS1_PSS_PADDING, salt = digest length
const ALGS: Record<string, AlgSpec> = {
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', params: { dsaEncoding: 'ieee-p1363' } },
  ES256K: { hash: 'sha256', kty: 'EC', crv: 'secp256k1', params: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', params: { dsaEncoding: 'ieee-p1363' } },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521', params: { dsaEncoding: 'ieee-p1363' } },
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', params: PSS },
  PS384: { hash: 'sha384', kty: 'RSA', params: PSS },
  PS512: { hash: 'sha512', kty: 'RSA', params: PSS },
  EdDSA: { hash: null, kty: 'OKP', crv: 'Ed25519' },
}

/** Asymmetric JWS algorithms this harness can verify. */
export const SUPPORTED_ALGS = Object.keys(ALGS)

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** Imports a public JWK; refuses private or symmetric keys and keys that do not fit `alg`. */
export function importPublicJwk(jwk: unknown, alg: string): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new JwsError('"jwk" (JSON Web Key) Header Parameter must be a JSON object')
  }
  const spec = ALGS[alg]
  if (!spec) throw new JwsError(`Unsupported "alg" value: ${JSON.stringify(alg)}`)
  const j = jwk as Record<string, unknown>
  if (PRIVATE_MEMBERS.some((m) => m in j)) {
    throw new JwsError('"jwk" (JSON Web Key) Header Parameter must be a public key')
  }
  if (j.kty !== spec.kty || (spec.crv && j.crv !== spec.crv)) {
    throw new JwsError(`"jwk" does not fit "alg" ${alg}`)
  }
  try {
    return createPublicKey({ key: j as never, format: 'jwk' })
  } catch {
    throw new JwsError('"jwk" (JSON Web Key) Header Parameter is not a valid key')
  }
}

/** Verifies the signature of a decoded JWS with a public key. */
export function verifyJwsSignature(jws: DecodedJws, key: KeyObject, alg: string): boolean {
  const spec = ALGS[alg]
  if (!spec) return false
  try {
    return cryptoVerify(spec.hash, Buffer.from(jws.signingInput), { key, ...spec.params } as never, jws.signature)
  } catch {
    return false
  }
}
