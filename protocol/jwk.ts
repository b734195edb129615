import { createHash } from 'node:crypto'

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const REQUIRED: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
}

/** RFC 7638 JWK SHA-256 thumbprint (base64url); undefined for a key it cannot fingerprint. */
export function jwkThumbprint(jwk: unknown): string | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined
  const j = jwk as Record<string, unknown>
  const members = typeof j.kty === 'string' ? REQUIRED[j.kty] : undefined
  if (!members || members.some((m) => typeof j[m] !== 'string')) return undefined
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, j[m]])))
  return createHash('sha256').update(canonical).digest('base64url')
}

/** RFC 9449 §4.2 `ath`: base64url(SHA-256(access token)). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url')
}
