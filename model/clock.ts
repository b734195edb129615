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
