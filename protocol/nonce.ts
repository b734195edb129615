import { createHmac, randomBytes } from 'node:crypto'
import type { Clock } from '../model/clock.ts'

/** Options of a DPoP nonce manager. */
export interface NonceOptions {
  /** Rotation interval in ms (reference: 60 s, DPOP_NONCE_MAX_AGE / 3). */
  rotateEveryMs?: number
  /** HMAC secret; a fresh random one per manager when omitted. */
  secret?: Buffer
}

/**
 * Stateless rotating DPoP nonces, as the reference server makes them (reference-wire.md §8, §11.1):
 * nonce(counter) = base64url(HMAC-SHA256(secret, counter as 8-byte big-endian)), counter = floor(now / interval).
 * It hands out the *next* counter's nonce and accepts previous, current and next, so a nonce stays valid
 * for 2–3 intervals. Time comes from the World clock, so rotation is driven by `clock.advance()`.
 */
export class NonceManager {
  readonly rotateEveryMs: number
  readonly #secret: Buffer
  constructor(
    readonly clock: Clock,
    options: NonceOptions = {},
  ) {
    this.rotateEveryMs = options.rotateEveryMs ?? 60_000
    this.#secret = options.secret ?? randomBytes(32)
  }

  #counter(): number {
    return Math.floor(this.clock.now() / this.rotateEveryMs)
  }

  #compute(counter: number): string {
    const buf = Buffer.alloc(8)
    buf.writeBigInt64BE(BigInt(counter))
    return createHmac('sha256', this.#secret).update(buf).digest('base64url')
  }

  /** The nonce to put in the next `DPoP-Nonce` header. */
  next(): string {
    return this.#compute(this.#counter() + 1)
  }

  /** Whether a nonce from a proof is still accepted. */
  check(nonce: string): boolean {
    const c = this.#counter()
    return nonce === this.#compute(c - 1) || nonce === this.#compute(c) || nonce === this.#compute(c + 1)
  }
}

/** Remembers DPoP proof `jti`s for a while to detect replays (reference: one namespace for AS + RS, TTL 198 s). */
export class ReplayStore {
  readonly #seen = new Map<string, number>()
  constructor(
    readonly clock: Clock,
    readonly ttlMs = 198_000,
  ) {}

  /** Records the key; returns false when it was already seen and not expired. */
  unique(key: string): boolean {
    const now = this.clock.now()
    const until = this.#seen.get(key)
    if (until !== undefined && until > now) return false
    if (this.#seen.size > 10_000) this.#purge(now)
    this.#seen.set(key, now + this.ttlMs)
    return true
  }

  #purge(now: number): void {
    for (const [k, until] of this.#seen) if (until <= now) this.#seen.delete(k)
  }
}
