import { createHash } from 'node:crypto'

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/**
 * Compares a verifier with a stored S256 challenge. The reference decodes the challenge leniently
 * (`Buffer.from(x, 'base64')`), so standard base64 with padding matches too (reference-wire.md §11.3).
 */
export function verifierMatches(challenge: string, verifier: string): boolean {
  const expected = createHash('sha256').update(verifier, 'ascii').digest()
  const given = Buffer.from(challenge, 'base64')
  return given.length === expected.length && given.equals(expected)
}

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
export function isValidVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)
}
