/**
 * The client's clock for clients that run as processes: libfaketime (Debian package `faketime`) preloaded into
 * the client, reading its offset from a timestamp file the harness rewrites whenever a step moves the client's
 * clock. Works for any language that reads the system clock (Node's Date.now() included).
 *
 * FAKETIME_NO_CACHE makes every clock read look at the file; FAKETIME_DONT_FAKE_MONOTONIC keeps the monotonic
 * clock real: Node aborts when its timer base moves back ("Assertion failed: (now) >= (timer_base())").
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
]

/** The libfaketime library on this machine (`ATPROTO_CONFORMANCE_LIBFAKETIME` overrides), or undefined. */
export function findLibfaketime(env: Record<string, string | undefined> = process.env): string | undefined {
  const given = env.ATPROTO_CONFORMANCE_LIBFAKETIME
  if (given) return existsSync(given) ? given : undefined
  return CANDIDATES.find((p) => existsSync(p))
}

/** Why process clients cannot have their clock moved here, for SKIP reasons and `doctor`-style messages. */
export const FAKETIME_MISSING = 'libfaketime is not installed (apt-get install faketime), so the harness cannot move the clock of a client process'

/** One client process's faked clock: a timestamp file and the environment that points libfaketime at it. */
export interface FakeClock {
  /** Environment for the client process. */
  readonly env: Record<string, string>
  /** Sets the client's clock to run `offsetMs` ahead of the real time (negative: behind). */
  setOffset(offsetMs: number): void
  /** Removes the timestamp file. */
  dispose(): void
}

/** `+3600.000` / `-600.000`: libfaketime's relative offset in seconds. */
export function faketimeOffset(offsetMs: number): string {
  return `${offsetMs < 0 ? '-' : '+'}${(Math.abs(offsetMs) / 1000).toFixed(3)}`
}

export function createFakeClock(library: string): FakeClock {
  const dir = mkdtempSync(join(tmpdir(), 'atproto-conformance-clock-'))
  const file = join(dir, 'faketime')
  let current: number | undefined
  const setOffset = (offsetMs: number) => {
    if (offsetMs === current) return
    current = offsetMs
    writeFileSync(file, `${faketimeOffset(offsetMs)}\n`)
  }
  setOffset(0)
  return {
    env: {
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    setOffset,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}
