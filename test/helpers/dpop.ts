import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

/** A client's DPoP key pair (ES256 / P-256, as in the raw captures). */
export interface DpopKey {
  privateKey: CryptoKey
  publicJwk: JWK
  /** RFC 7638 thumbprint: what `cnf.jkt` and `dpop_jkt` carry. */
  jkt: string
}

export async function newDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk = await exportJWK(publicKey)
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) }
}

/** What goes into one proof; anything left out gets the well-formed default. */
export interface ProofOptions {
  htm: string
  htu: string
  nonce?: string
  /** The access token the proof accompanies: sets `ath` = b64url(sha256(token)) (RFC 9449 §4.2). */
  accessToken?: string
  /** An explicit `ath` (wins over accessToken). */
  ath?: string
  /** Seconds added to the real current time for `iat` (the servers judge `iat` by the wall clock). */
  iatOffset?: number
  jti?: string
  typ?: string
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>
}

export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url')
}

/** Signs a DPoP proof (RFC 9449 §4.2) with header `{typ: 'dpop+jwt', alg: 'ES256', jwk}`. */
export async function signProof(key: DpopKey, o: ProofOptions): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: o.jti ?? randomUUID(),
    htm: o.htm,
    htu: o.htu,
    iat: Math.floor(Date.now() / 1000) + (o.iatOffset ?? 0),
  }
  if (o.nonce !== undefined) payload.nonce = o.nonce
  const ath = o.ath ?? (o.accessToken !== undefined ? accessTokenHash(o.accessToken) : undefined)
  if (ath !== undefined) payload.ath = ath
  Object.assign(payload, o.claims)
  return new SignJWT(payload)
    .setProtectedHeader({ typ: o.typ ?? 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk })
    .sign(key.privateKey)
}

/** A PKCE pair (RFC 7636 §4.1–4.2, S256). */
export interface Pkce {
  verifier: string
  challenge: string
}

export function newPkce(verifier: string = randomBytes(32).toString('base64url')): Pkce {
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') }
}
