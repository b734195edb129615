import { describe, expect, it } from 'vitest'
import { isValidVerifier, s256, verifierMatches } from './pkce.ts'

describe('PKCE', () => {
  // RFC 7636 Appendix B
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

  it('computes the RFC 7636 example challenge', () => {
    expect(s256(verifier)).toBe(challenge)
  })
  it('matches a verifier to its challenge, also in padded standard base64 like the reference', () => {
    expect(verifierMatches(challenge, verifier)).toBe(true)
    expect(verifierMatches(Buffer.from(challenge, 'base64url').toString('base64'), verifier)).toBe(true)
    expect(verifierMatches(challenge, `${verifier.slice(0, -1)}A`)).toBe(false)
  })
  it('accepts 43–128 unreserved characters only', () => {
    expect(isValidVerifier(verifier)).toBe(true)
    expect(isValidVerifier('short')).toBe(false)
    expect(isValidVerifier(`${verifier}+`)).toBe(false)
    expect(isValidVerifier('a'.repeat(129))).toBe(false)
  })
})
