/**
 * The comparison rules of the fidelity probe (reference-captures/README.md "Using them as golden fixtures"):
 * from one response, the facts that are stable by design; between two responses, the facts that differ.
 * Pure functions: no I/O.
 */
import { REFERENCE_ISSUER, type Capture } from './captures.ts'
import type { HttpResult } from './http.ts'

/**
 * The compared facts of one response. Every field is either present on both sides with the same value, or
 * it is a difference; an absent header is `undefined`.
 */
export interface WireFacts {
  status: number
  /** `error` of a JSON body (AS and XRPC), or of an HTML error page (reference `__errorData`, mock ids). */
  error?: string
  /** `error_description` (AS), `message` (XRPC), or the HTML error page's description. */
  description?: string
  /** Sorted top-level keys of a JSON object body (not their values). */
  keys?: string[]
  /** Whether a `DPoP-Nonce` header is present (never its value). */
  dpopNonce: boolean
  /** WWW-Authenticate with the `error_description` value masked (its presence still counts). */
  wwwAuthenticate?: string
  /** Redirect target: origin + path, then the query parameter names in order (`?state,iss,code`). */
  location?: string
  cacheControl?: string
  /** Every `Access-Control-*` header (lower-case name), the lines of one name joined in order. */
  cors: Record<string, string>
  /** An issued access token's JOSE `typ` and `alg` and its sorted claim names (never their values). */
  tokenShape?: string
  /**
   * Set by the probe on an exchange that follows one with the other server role (AS after PDS or PDS after
   * AS): whether both handed out the same DPoP-Nonce, i.e. one nonce manager for one origin (reference §8).
   */
  sharedNonce?: boolean
}

/** One differing fact: its name as the table shows it, and both values. */
export interface FieldDifference {
  field: string
  recorded: unknown
  observed: unknown
}

function joined(headers: [string, string][], name: string): string | undefined {
  const lines = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v)
  return lines.length === 0 ? undefined : lines.join(', ')
}

/**
 * Origin + path + parameter names of a redirect. The target's own origins are written as the recorded issuer,
 * so a Location back to the server compares equal across origins.
 */
export function locationShape(location: string | undefined, origins: readonly string[] = []): string | undefined {
  if (location === undefined) return undefined
  let url: URL
  try {
    url = new URL(location)
  } catch {
    return location
  }
  const names = [...url.searchParams.keys()].join(',')
  const origin = origins.includes(url.origin) ? REFERENCE_ISSUER : url.origin
  return `${origin}${url.pathname}?${names}`
}

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }

/** Error and description of a JSON body, or of an HTML error page (reference `__errorData`, mock ids). */
export function errorOf(body: string, json: unknown): { error?: string; description?: string } {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const j = json as Record<string, unknown>
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
    return { error: str(j.error), description: str(j.error_description) ?? str(j.message) }
  }
  const ref = /__errorData"\]=JSON\.parse\("((?:[^"\\]|\\.)*)"\)/.exec(body)
  if (ref) {
    try {
      const data = JSON.parse(JSON.parse(`"${ref[1]}"`))
      return { error: data.error, description: data.error_description }
    } catch {
      return {}
    }
  }
  const unescape = (s: string | undefined) => s?.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => HTML_ENTITIES[e]!)
  const error = unescape(/<code id="error">([^<]*)</.exec(body)?.[1])
  const description = unescape(/id="error_description">([^<]*)</.exec(body)?.[1])
  return error === undefined ? {} : { error, description }
}

/** `typ/alg claim,claim,…` of a JWT access token, or undefined when the value is not one. */
export function tokenShapeOf(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    return `${header.typ}/${header.alg} ${Object.keys(payload).sort().join(',')}`
  } catch {
    return undefined
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The facts of one response given as status, raw header list and body. */
export function factsOf(
  status: number,
  headers: [string, string][],
  body: string,
  json: unknown = parseJson(body),
  origins: readonly string[] = [],
): WireFacts {
  const { error, description } = errorOf(body, json)
  const cors: Record<string, string> = {}
  for (const [name] of headers) {
    const lower = name.toLowerCase()
    if (lower.startsWith('access-control-') && !(lower in cors)) cors[lower] = joined(headers, lower)!
  }
  const out: WireFacts = { status, dpopNonce: joined(headers, 'dpop-nonce') !== undefined, cors }
  if (error !== undefined) out.error = error
  if (description !== undefined) out.description = description
  if (json && typeof json === 'object' && !Array.isArray(json)) out.keys = Object.keys(json).sort()
  const www = joined(headers, 'www-authenticate')?.replace(/error_description="[^"]*"/, 'error_description=…')
  if (www !== undefined) out.wwwAuthenticate = www
  const location = locationShape(joined(headers, 'location'), origins)
  if (location !== undefined) out.location = location
  const cacheControl = joined(headers, 'cache-control')
  if (cacheControl !== undefined) out.cacheControl = cacheControl
  const tokenShape = json && typeof json === 'object' ? tokenShapeOf((json as Record<string, unknown>).access_token) : undefined
  if (tokenShape !== undefined) out.tokenShape = tokenShape
  return out
}

/** The facts of a recorded response. */
export function factsOfCapture(c: Capture): WireFacts {
  return factsOf(c.response.status, c.response.headers, c.response.body, c.response.json ?? parseJson(c.response.body), [
    REFERENCE_ISSUER,
  ])
}

/** The facts of a live response; `origins` are the target's own origins (written as the recorded issuer). */
export function factsOfResult(r: HttpResult, origins: string | readonly string[]): WireFacts {
  return factsOf(r.status, r.rawHeaders, r.text, r.json, typeof origins === 'string' ? [origins] : origins)
}

const SCALAR_FIELDS: [keyof WireFacts, string][] = [
  ['status', 'status'],
  ['error', 'error'],
  ['description', 'description'],
  ['keys', 'keys'],
  ['dpopNonce', 'dpop-nonce'],
  ['wwwAuthenticate', 'www-authenticate'],
  ['location', 'location'],
  ['cacheControl', 'cache-control'],
  ['tokenShape', 'token-shape'],
  ['sharedNonce', 'shared-nonce'],
]

/**
 * Fields whose recorded value depends on the server being one origin (the recording's setup): skipped when
 * the target's AS and PDS are two origins (entryway topology).
 */
export const ORIGIN_DEPENDENT_FIELDS: readonly string[] = ['shared-nonce']

/** The field names a comparison can report, in table order (CORS headers by their lower-case names). */
export const FIELD_NAMES = SCALAR_FIELDS.map(([, name]) => name)

/**
 * Compares two fact sets and names every differing field: `status`, `error`, `description`, `keys`,
 * `dpop-nonce`, `www-authenticate`, `location`, `cache-control`, `token-shape`, `shared-nonce`, and each
 * `access-control-*` header by name. Fields in `ignore` are not compared. Empty when they agree.
 */
export function compareFacts(
  recorded: WireFacts,
  observed: WireFacts,
  options: { ignore?: readonly string[] } = {},
): FieldDifference[] {
  const out: FieldDifference[] = []
  for (const [key, field] of SCALAR_FIELDS) {
    if (options.ignore?.includes(field)) continue
    const a = recorded[key]
    const b = observed[key]
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field, recorded: a, observed: b })
  }
  const names = [...new Set([...Object.keys(recorded.cors), ...Object.keys(observed.cors)])].sort()
  for (const name of names) {
    if (recorded.cors[name] !== observed.cors[name]) {
      out.push({ field: name, recorded: recorded.cors[name], observed: observed.cors[name] })
    }
  }
  return out
}
