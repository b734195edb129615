/**
 * The client's sense of time: the clock it is given (the machine's, or the harness's) corrected by the servers'
 * `Date` header when the two disagree by more than the header's one-second resolution can explain (DPOP-10,
 * CONF-04: a proof or assertion signed "in the future" by a fast clock is refused).
 */
import type { Flaws } from './flaws.ts'

/** Where the time comes from; `Date.now` unless the app (the harness) passes another. */
export interface TimeSource {
  now(): number
}

const systemTime: TimeSource = { now: () => Date.now() }

// A Date header is truncated to the second and arrives after some latency: a smaller gap is no skew.
const SKEW_THRESHOLD_MS = 1500

export class ClientClock {
  #correctionMs = 0

  constructor(
    private readonly source: TimeSource = systemTime,
    private readonly flaws?: Flaws,
  ) {}

  /** The time the client signs with: its own clock, corrected if a server showed it to be off. */
  now(): number {
    return this.source.now() + this.#correctionMs
  }

  /** The client's own clock, uncorrected (expiry of what it stored itself). */
  local(): number {
    return this.source.now()
  }

  /** Learns the server's time from a response's `Date` header. */
  observe(headers: Headers): void {
    if (this.flaws?.has('no-clock-correction')) return
    const date = headers.get('date')
    const server = date ? Date.parse(date) : NaN
    if (!Number.isFinite(server)) return
    const gap = server - this.source.now()
    // Correct to the header's second (never ahead of the server), or drop a correction that is no longer needed.
    this.#correctionMs = Math.abs(gap) > SKEW_THRESHOLD_MS ? gap : 0
  }
}
