/** A source of time. Servers read the World's clock; only this module calls Date.now(). */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number
  /** Moves the clock forward instantly (a manual clock) or refuses (the real clock). */
  advance(ms: number): void
}

/** A clock that starts at the real time and only moves when a step advances it. */
export function manualClock(start: number = Date.now()): Clock {
  let t = start
  return {
    now: () => t,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`clock.advance(${ms}): only forward moves are allowed`)
      t += ms
    },
  }
}

/** The machine's wall clock; used to judge DPoP `iat`, which the client signs with its own clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  advance() {
    throw new Error('the real clock cannot be advanced')
  },
}

/** A clock that reads `base` plus an offset the harness moves (time passing for the World's real-time checks). */
export interface ShiftedClock extends Clock {
  /** How far this clock runs ahead of `base`, ms (negative: behind). */
  readonly offsetMs: number
  /** Moves the clock by `ms`, forward or back. */
  shift(ms: number): void
}

export function shiftedClock(base: Clock, offsetMs = 0): ShiftedClock {
  let offset = offsetMs
  return {
    now: () => base.now() + offset,
    get offsetMs() {
      return offset
    },
    shift(ms) {
      offset += ms
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`clock.advance(${ms}): only forward moves are allowed`)
      offset += ms
    },
  }
}
