import { sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ProofJwsError, verifyProofJws } from './dpop-jws.ts'
import { keyPairSync } from './key-pair.ts'

const NOW = 1_800_000_000
const ec = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
const publicJwk = ec.publicJwk

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

/** A proof signed with ES256 by `key`, its header and claims changed as given (undefined removes one). */
function proof(header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}, key: KeyObject = ec.privateKey): string {
  const h = strip({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk, ...header })
  const p = strip({ jti: 'j1', htm: 'POST', htu: 'http://localhost/oauth/par', iat: NOW, ...claims })
  const input = `${b64(h)}.${b64(p)}`
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${sig.toString('base64url')}`
}

function strip(o: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

function reason(token: string): string | undefined {
  try {
    verifyProofJws(token, NOW)
  } catch (err) {
    if (err instanceof ProofJwsError) return err.reason ?? '(title only)'
    throw err
  }
  return undefined
}

describe('verifyProofJws: the DPoP JWS checks in jose 5 order and wording', () => {
  it('accepts a well-formed proof, typ compared case-insensitively', () => {
    expect(reason(proof())).toBeUndefined()
    expect(reason(proof({ typ: 'DPOP+JWT' }))).toBeUndefined()
    expect(reason(proof({ typ: 'application/dpop+jwt' }))).toBeUndefined()
  })

  it.each([
    ['not three segments', 'a.b', 'Invalid Compact JWS'],
    ['header not JSON', `${b64('{')}.e30.sig`, 'JWS Protected Header is invalid'],
  ])('%s → %s', (_name, token, expected) => {
    expect(reason(token)).toBe(expected)
  })

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ['alg missing', { alg: undefined }, {}, 'JWS "alg" (Algorithm) Header Parameter missing or invalid'],
    ['jwk missing', { jwk: undefined }, {}, '"jwk" (JSON Web Key) Header Parameter must be a JSON object'],
    ['alg none', { alg: 'none' }, {}, 'alg none is not supported either by JOSE or your javascript runtime'],
    ['alg HS256 (a TypeError at jose)', { alg: 'HS256' }, {}, '(title only)'],
    ['alg RS256 with an EC key', { alg: 'RS256' }, {}, '(title only)'],
    ['typ jwt', { typ: 'jwt' }, {}, 'unexpected "typ" JWT header value'],
    ['typ missing', { typ: undefined }, {}, 'unexpected "typ" JWT header value'],
    ['iat missing', {}, { iat: undefined }, 'missing required "iat" claim'],
    ['iat a string', {}, { iat: String(NOW) }, '"iat" claim must be a number'],
    ['nbf in the future', {}, { nbf: NOW + 600 }, '"nbf" claim timestamp check failed'],
    ['exp long past', {}, { exp: NOW - 600 }, '"exp" claim timestamp check failed'],
    ['iat 300 s old', {}, { iat: NOW - 300 }, '"iat" claim timestamp check failed (too far in the past)'],
    ['iat 300 s ahead', {}, { iat: NOW + 300 }, '"iat" claim timestamp check failed (it should be in the past)'],
  ])('%s → %s', (_name, header, claims, expected) => {
    expect(reason(proof(header, claims))).toBe(expected)
  })

  it('a private jwk, and a signature by another key', () => {
    const jwk = ec.privateJwk
    expect(reason(proof({ jwk }))).toBe('"jwk" (JSON Web Key) Header Parameter must be a public key')
    const other = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
    expect(reason(proof({}, {}, other.privateKey))).toBe('signature verification failed')
  })

  it('the signature is checked before typ and the time claims', () => {
    const other = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
    expect(reason(proof({ typ: 'jwt' }, { iat: undefined }, other.privateKey))).toBe('signature verification failed')
  })
})
