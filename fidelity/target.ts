/**
 * What the fidelity probe runs against: a World of this repository, or a running server reached over its
 * base URL (a real `@atproto/pds` a spec author started, or a World addressed as if it were one). Loopback
 * only, always.
 */
import type { World } from '../harness/world.ts'
import { isLoopbackUrl } from './http.ts'

/** How the probe has the user sign in and consent, to obtain the codes the recorded flows obtained. */
export type UiKind =
  /** The mock AS's own page (`POST /oauth/authorize/consent`). */
  | 'mock'
  /** The reference server's UI API (`/@atproto/oauth-provider/~api/sign-in`, `consent`, `reject`), as recorded. */
  | 'reference'
  /** Decide from the first authorize page the target renders. */
  | 'auto'

export interface Target {
  /** One line for the report: `world reference/self-hosted`, `live http://localhost:2583`. */
  label: string
  /** `reference/self-hosted` for a World run; `live` otherwise. */
  run: string
  /** The AS issuer (origin). */
  issuer: string
  /** The PDS origin: the issuer's own for one origin (self-hosted, as recorded), another one behind an entryway. */
  pds: string
  /** The account the probe signs in with (the recording used alice.test / alice-pass). */
  account: { handle: string; password: string }
  ui: UiKind
  /**
   * A clock the probe may move (a World's): each folder starts at the recorded phase within the minute and
   * recorded pauses are replayed instantly, so nonce rotation happens where it happened in the recording.
   * Without it the nonce watch (2.5 recorded minutes) is skipped.
   */
  clock?: { now(): number; advance(ms: number): void }
}

function origin(url: string): string {
  return new URL(url).origin
}

/** A World of this repository, compared in the profile and topology it was created with. */
export function worldTarget(world: World): Target {
  return {
    label: `world ${world.profile.name}/${world.topology}`,
    run: `${world.profile.name}/${world.topology}`,
    issuer: world.urls.issuer,
    pds: world.urls.pds,
    account: { handle: world.accounts.plc.handle, password: world.accounts.plc.password },
    ui: 'mock',
    clock: world.clock,
  }
}

export interface LiveOptions {
  /** The server's base URL: issuer and PDS origin (one origin, like the recorded server). */
  base: string
  /** The PDS origin when it differs from the issuer (an entryway setup). */
  pds?: string
  handle?: string
  password?: string
  ui?: UiKind
}

/** A running server over its base URL. Throws for anything but an http loopback URL. */
export function liveTarget(options: LiveOptions): Target {
  for (const url of [options.base, options.pds].filter((u): u is string => u !== undefined)) {
    if (!isLoopbackUrl(url)) {
      throw new Error(`the probe only contacts http loopback addresses (127.0.0.1, localhost, [::1]), not ${url}`)
    }
  }
  const issuer = origin(options.base)
  return {
    label: `live ${issuer}${options.pds ? ` (PDS ${origin(options.pds)})` : ''}`,
    run: 'live',
    issuer,
    pds: options.pds ? origin(options.pds) : issuer,
    account: { handle: options.handle ?? 'alice.test', password: options.password ?? 'alice-pass' },
    ui: options.ui ?? 'auto',
  }
}

/** The other loopback name of an origin (`127.0.0.1` ↔ `localhost`, same port), if it has one. */
export function otherLoopbackName(originUrl: string): string | undefined {
  const u = new URL(originUrl)
  if (u.hostname === '127.0.0.1') u.hostname = 'localhost'
  else if (u.hostname === 'localhost') u.hostname = '127.0.0.1'
  else return undefined
  return u.origin
}
