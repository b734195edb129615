/**
 * Errors and plain (non-DPoP) HTTP for the minimal client: identity documents and server metadata.
 */

/**
 * Every refusal of the client: a stable `code` an app can branch on, and a message that says what was wrong,
 * where, and what the client expected.
 */
export class OAuthClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'OAuthClientError'
  }
}

/** A response read to the end: status, headers and the body text (parsed as JSON when it is JSON). */
export interface HttpResult {
  url: string
  status: number
  headers: Headers
  text: string
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown
}

export async function readResponse(url: string, res: Response): Promise<HttpResult> {
  const text = await res.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { url, status: res.status, headers: res.headers, text, json }
}

/**
 * `fetch` that turns network failures into an OAuthClientError. Always `redirect: 'manual'`: metadata, identity
 * documents and OAuth endpoints must answer themselves (DISC-08), and a redirect must never carry a token or a
 * proof to another host (RES-04). `globalThis.fetch` is looked up at each call so a patched fetch applies.
 */
export async function send(url: string, init: RequestInit, what: string, options: SendOptions = {}): Promise<HttpResult> {
  let res: Response
  try {
    res = await globalThis.fetch(url, { ...init, redirect: options.followRedirects ? 'follow' : 'manual' })
  } catch (err) {
    throw new OAuthClientError('NetworkError', `${what}: could not reach ${url} (${(err as Error).message})`)
  }
  options.clock?.observe(res.headers)
  return readResponse(url, res)
}

export interface SendOptions {
  /** Learns the server's time from the `Date` header (DPOP-10). */
  clock?: { observe(headers: Headers): void }
  /** Only with the lenient-metadata-response flaw. */
  followRedirects?: boolean
}

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i

/** A JSON object (never an array or a primitive). */
export type JsonObject = Record<string, unknown>

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * GET a JSON document: HTTP 200 (not another 2xx, not a redirect), a JSON content type and a JSON object
 * body (DISC-08). `accept404` lets the caller handle a 404 itself (server-initiated login, DISC-11).
 */
export async function getJson(
  url: string,
  what: string,
  code: string,
  options: { accept404?: boolean; clock?: SendOptions['clock']; lenient?: boolean } = {},
): Promise<JsonObject | undefined> {
  const res = await send(url, { headers: { accept: 'application/json' } }, what, { clock: options.clock, followRedirects: options.lenient })
  if (res.status === 404 && options.accept404) return undefined
  // Only with the lenient-metadata-response flaw: any 2xx, any content type.
  if (options.lenient && res.status >= 200 && res.status < 300 && isObject(res.json)) return res.json
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get('location')
    throw new OAuthClientError(code, `${what}: ${url} answered a ${res.status} redirect${location ? ` to ${location}` : ''}; metadata redirects are not followed`)
  }
  if (res.status !== 200) {
    throw new OAuthClientError(code, `${what}: ${url} answered HTTP ${res.status} (expected 200)${describeError(res)}`)
  }
  const type = res.headers.get('content-type') ?? ''
  if (!JSON_TYPE.test(type)) {
    throw new OAuthClientError(code, `${what}: ${url} answered content-type "${type}" (expected application/json)`)
  }
  if (!isObject(res.json)) throw new OAuthClientError(code, `${what}: ${url} did not answer a JSON object`)
  return res.json
}

/** `: error_code (description)` from an OAuth (`error_description`) or XRPC (`message`) error body, if any. */
export function describeError(res: HttpResult): string {
  if (!isObject(res.json)) return ''
  const error = typeof res.json.error === 'string' ? res.json.error : undefined
  const description =
    typeof res.json.error_description === 'string' ? res.json.error_description : typeof res.json.message === 'string' ? res.json.message : undefined
  if (!error && !description) return ''
  return `: ${error ?? 'error'}${description ? ` (${description})` : ''}`
}

/** The `error` member of an OAuth/XRPC error body. */
export function errorCode(res: HttpResult): string | undefined {
  return isObject(res.json) && typeof res.json.error === 'string' ? res.json.error : undefined
}
