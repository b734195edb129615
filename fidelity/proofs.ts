/**
 * Re-signing recorded DPoP proofs for another server: same header shape and claims, the same defect, but a
 * key, jti, iat, htu, nonce and ath that mean at the target what the recorded ones meant at the reference.
 */
import { randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { jwkThumbprint } from '../protocol/jwk.ts'
import { keyPairSync, type KeyPair } from '../protocol/key-pair.ts'

interface ReplayKey {
  privateKey: KeyObject
  jwk: Record<string, unknown>
  jkt: string
}

const KEY_SPECS: Record<string, () => KeyPair> = {
  ES256: () => keyPairSync({ type: 'ec', namedCurve: 'P-256' }),
  ES256K: () => keyPairSync({ type: 'ec', namedCurve: 'secp256k1' }),
  ES384: () => keyPairSync({ type: 'ec', namedCurve: 'P-384' }),
  ES512: () => keyPairSync({ type: 'ec', namedCurve: 'P-521' }),
  RS256: () => keyPairSync({ type: 'rsa', modulusLength: 2048 }),
  PS256: () => keyPairSync({ type: 'rsa', modulusLength: 2048 }),
  EdDSA: () => keyPairSync({ type: 'ed25519' }),
}

const HASH: Record<string, string | null> = {
  ES256: 'sha256',
  ES256K: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  RS256: 'sha256',
  PS256: 'sha256',
  EdDSA: null,
}

/** Signs a compact JWS with the header and payload exactly as given (key order kept). */
export function signCompact(
  alg: string,
  key: KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  const options = alg.startsWith('ES')
    ? { key, dsaEncoding: 'ieee-p1363' as const }
    : alg.startsWith('PS')
      ? { key, padding: 6, saltLength: 32 }
      : { key }
  return `${input}.${cryptoSign(HASH[alg] ?? null, Buffer.from(input), options).toString('base64url')}`
}

/** Decodes the header and payload of a compact JWS, or undefined when it is not one. */
export function decodeCompact(jws: string): { header: Record<string, any>; payload: Record<string, any> } | undefined {
  const parts = jws.split('.')
  if (parts.length !== 3) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object') return undefined
    return { header, payload }
  } catch {
    return undefined
  }
}

/** How the claims of one recorded proof map onto the target. */
export interface ResignContext {
  /** The URL naming at the target what the recorded `htu` named at the reference (case and shape kept). */
  htu(recorded: string): string
  /** The nonce standing for a recorded one; undefined drops the claim. */
  nonce(recorded: string): string | undefined
  /** The `ath` standing for a recorded one (a hash of a recorded token becomes the hash of the live token). */
  ath(recorded: string): string
  /** Real time in ms: `iat` keeps the recorded offset from the moment the request was sent. */
  now: number
}

/**
 * Maps a recording's proofs onto a target: one fresh key per recorded key (same alg, so "same key" and
 * "other key" keep their meaning), one fresh jti per recorded jti (a replay stays a replay), `iat` at the
 * recorded offset from the sending time, and htu / nonce / ath through the context. A proof recorded twice
 * (byte for byte) is re-sent byte for byte.
 */
export class ProofReplayer {
  readonly #keys = new Map<string, ReplayKey>()
  readonly #jtis = new Map<string, string>()
  readonly #sent = new Map<string, string>()

  #key(alg: string, recordedJkt: string): ReplayKey {
    let key = this.#keys.get(recordedJkt)
    if (!key) {
      const spec = KEY_SPECS[alg]
      if (!spec) throw new Error(`no key spec for ${alg}`)
      const { privateKey, publicJwk: jwk } = spec()
      key = { privateKey, jwk, jkt: jwkThumbprint(jwk)! }
      this.#keys.set(recordedJkt, key)
    }
    return key
  }

  /** The target key thumbprint standing for a recorded one, once that key signed a proof. */
  jktFor(recordedJkt: string): string | undefined {
    return this.#keys.get(recordedJkt)?.jkt
  }

  /** Every recorded thumbprint with its stand-in. */
  jktPairs(): [string, string][] {
    return [...this.#keys].map(([recorded, key]) => [recorded, key.jkt])
  }

  /** Re-signs a recorded proof, or returns undefined when the recorded header is not a decodable proof. */
  resign(recorded: string, recordedAt: string, ctx: ResignContext): string | undefined {
    const again = this.#sent.get(recorded)
    if (again) return again
    const decoded = decodeCompact(recorded)
    if (!decoded) return undefined
    const { header, payload } = decoded
    const recordedJkt = jwkThumbprint(header.jwk)
    if (!recordedJkt || typeof header.alg !== 'string' || !KEY_SPECS[header.alg]) return undefined
    const key = this.#key(header.alg, recordedJkt)
    const out: Record<string, unknown> = {}
    for (const [claim, value] of Object.entries(payload)) {
      if (claim === 'jti' && typeof value === 'string') {
        if (!this.#jtis.has(value)) this.#jtis.set(value, randomUUID())
        out.jti = this.#jtis.get(value)
      } else if (claim === 'htu' && typeof value === 'string') {
        out.htu = ctx.htu(value)
      } else if (claim === 'iat' && typeof value === 'number') {
        out.iat = Math.floor(ctx.now / 1000) + (value - Math.floor(Date.parse(recordedAt) / 1000))
      } else if (claim === 'nonce' && typeof value === 'string') {
        const nonce = ctx.nonce(value)
        if (nonce !== undefined) out.nonce = nonce
      } else if (claim === 'ath' && typeof value === 'string') {
        out.ath = ctx.ath(value)
      } else {
        out[claim] = value
      }
    }
    const proof = signCompact(header.alg, key.privateKey, { ...header, jwk: key.jwk }, out)
    this.#sent.set(recorded, proof)
    return proof
  }
}
