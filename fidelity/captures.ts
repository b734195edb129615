/**
 * The recorded exchanges with the reference atproto server (`@atproto/pds` 0.5.35 + `@atproto/oauth-provider`
 * 0.22.9, issuer `http://localhost:2583`): loading, naming, and which of them the fidelity probe compares.
 *
 * The captures live in shared/spec/reference-captures; `scripts/sync-captures.ts` vendors them into
 * fidelity/captures/ (one minified bundle per folder, file names and source hashes kept), which is what the
 * probe reads unless `FIDELITY_CAPTURES_DIR` (or the CLI's `--captures`) names a raw capture directory.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The recorded issuer (and PDS origin) of every capture. */
export const REFERENCE_ISSUER = 'http://localhost:2583'
/** The same recorded server under its other loopback name (`extra/b/b-par-host-127-*`). */
export const REFERENCE_OTHER_ORIGIN = 'http://127.0.0.1:2583'

/** Capture folders in replay order; each was one recording session against the same server. */
export const CAPTURE_FOLDERS = ['main', 'extra', 'extra/b', 'extra/c', 'main/nonce'] as const
export type CaptureFolder = (typeof CAPTURE_FOLDERS)[number]

export interface RecordedRequest {
  method: string
  url: string
  /** Exactly the headers sent, lower-case names. */
  headers: Record<string, string>
  body: string | null
  decoded?: { dpop?: { header: Record<string, unknown>; payload: Record<string, unknown> } }
}

export interface RecordedResponse {
  status: number
  statusText?: string
  /** Raw header list: order, spelling and repeated lines as received. */
  headers: [string, string][]
  body: string
  json?: any
}

/** One recorded exchange. */
export interface Capture {
  name: string
  description: string
  /** When the request was sent (ISO). */
  time: string
  request: RecordedRequest
  response: RecordedResponse
  /** `folder/NNN-name.json`. */
  file: string
  folder: CaptureFolder
  /** The name, or `folder/NNN-name` for the two names the nonce watch repeats. */
  key: string
}

/** A vendored folder (fidelity/captures/<folder>.json). */
export interface CaptureBundle {
  source: string
  folder: string
  files: { file: string; sha256: string; capture: Omit<Capture, 'file' | 'folder' | 'key'> }[]
}

export const VENDORED_DIR = fileURLToPath(new URL('./captures/', import.meta.url))
/** Where the raw captures sit in the shared layout (next to the repository). */
export const SHARED_CAPTURES_DIR = fileURLToPath(new URL('../../shared/spec/reference-captures/', import.meta.url))

export function bundleFileName(folder: string): string {
  return `${folder.replace('/', '-')}.json`
}

function rawDir(): string | undefined {
  const dir = process.env.FIDELITY_CAPTURES_DIR
  return dir ? dir.replace(/\/?$/, '/') : undefined
}

/** The vendored bundle of one folder. */
export function readBundle(folder: CaptureFolder): CaptureBundle {
  return JSON.parse(readFileSync(`${VENDORED_DIR}${bundleFileName(folder)}`, 'utf8')) as CaptureBundle
}

const cache = new Map<string, Capture[]>()

/** Every exchange of one folder, in file-number order (from `dir` when given: a raw capture directory). */
export function listCaptures(folder: CaptureFolder, dir: string | undefined = rawDir()): Capture[] {
  const cacheKey = `${dir ?? '(vendored)'}|${folder}`
  const hit = cache.get(cacheKey)
  if (hit) return hit
  let files: { file: string; capture: any }[]
  if (dir) {
    files = readdirSync(`${dir}${folder}/`)
      .filter((f) => /^\d{3}-.*\.json$/.test(f))
      .sort()
      .map((file) => ({ file, capture: JSON.parse(readFileSync(`${dir}${folder}/${file}`, 'utf8')) }))
  } else {
    files = readBundle(folder).files
  }
  const out = files.map(({ file, capture }) => {
    const repeated = folder === 'main/nonce' && /^(nonce-watch|nonce-first-reuse)$/.test(capture.name)
    return {
      ...capture,
      file: `${folder}/${file}`,
      folder,
      key: repeated ? `${folder}/${file.replace(/\.json$/, '')}` : capture.name,
    } as Capture
  })
  cache.set(cacheKey, out)
  return out
}

/** Every exchange, folder by folder in replay order. */
export function allCaptures(dir?: string): Capture[] {
  return CAPTURE_FOLDERS.flatMap((f) => listCaptures(f, dir))
}

/** One capture by key (its name, unique but for the nonce watch). */
export function loadCapture(key: string, dir?: string): Capture {
  const found = allCaptures(dir).find((c) => c.key === key)
  if (!found) throw new Error(`no capture named ${key}`)
  return found
}

// ---------------------------------------------------------------------------------------------------------
// Scope: which recorded exchanges concern an endpoint a client talks to.

export type ScopeArea =
  | 'discovery'
  | 'par'
  | 'authorize'
  | 'token'
  | 'revoke'
  | 'oauth-route'
  | 'xrpc'
  | 'ui-api'
  | 'account-creation'

export interface CaptureScope {
  inScope: boolean
  area: ScopeArea
  /** Why an exchange is not compared. */
  reason?: string
  /** Needs a target whose clock the probe can move (the nonce watch spans 2.5 recorded minutes). */
  needsClock: boolean
}

export const UI_API_PREFIX = '/@atproto/oauth-provider/~api/'

/**
 * The scope rule, from the request path alone:
 * - `/@atproto/oauth-provider/~api/*` (the reference server's own sign-in / consent UI API) is out of scope;
 *   the probe still drives it against a target that has that UI, to obtain codes as the recording did;
 * - `/xrpc/com.atproto.server.createAccount` (account creation, not OAuth) is out of scope;
 * - everything else a client (or the browser it opens) sends is in scope: the discovery documents and JWKS,
 *   `/oauth/par`, `/oauth/authorize` and `/oauth/authorize/redirect`, `/oauth/token`, `/oauth/revoke`, other
 *   `/oauth/*` routes (405 / 404 answers) and every other `/xrpc/*` call.
 * The nonce watch (`main/nonce/`) is in scope but needs a movable clock: it runs against a World, not live.
 */
export function scopeOf(c: Capture): CaptureScope {
  const path = new URL(c.request.url).pathname
  const needsClock = c.folder === 'main/nonce'
  const out = (area: ScopeArea, reason: string): CaptureScope => ({ inScope: false, area, reason, needsClock })
  const inside = (area: ScopeArea): CaptureScope => ({ inScope: true, area, needsClock })
  if (path.startsWith(UI_API_PREFIX)) {
    return out('ui-api', "the reference server's own sign-in / consent UI API, not an endpoint a client talks to")
  }
  if (path === '/xrpc/com.atproto.server.createAccount') {
    return out('account-creation', 'account creation (the recording set up alice.test); not OAuth')
  }
  if (path.startsWith('/.well-known/oauth-') || path === '/oauth/jwks') return inside('discovery')
  if (path === '/oauth/par') return inside('par')
  if (path === '/oauth/authorize' || path === '/oauth/authorize/redirect') return inside('authorize')
  if (path === '/oauth/token') return inside('token')
  if (path === '/oauth/revoke') return inside('revoke')
  if (path.startsWith('/oauth/')) return inside('oauth-route')
  if (path.startsWith('/xrpc/')) return inside('xrpc')
  return out('ui-api', `path ${path} is outside every client-facing endpoint`)
}
