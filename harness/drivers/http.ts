/**
 * The HTTP driver (`run --client-url <url>`): the driver protocol as HTTP POSTs to a test endpoint of a running
 * client app (docs/driver-protocol.md, "HTTP"). `POST <url>/<op>` carries the same JSON request as a stdio line,
 * plus a `session` id that is new for every scenario; the answer is the same JSON response, with HTTP 200.
 * The app keeps running between scenarios, so there is no log to capture and nothing to kill: `dispose` ends
 * the session, and requests still in flight are abandoned.
 */
import { randomUUID } from 'node:crypto'
import { HarnessError } from '../../protocol/errors.ts'
import { MAX_LINE_BYTES } from './json-lines.ts'
import { isObject, jsonKind, preview, wireDriver, type WireDriver, type WireTransport } from './wire.ts'

/** The largest answer the HTTP driver reads: the same bound as one stdio line. */
export const MAX_ANSWER_BYTES = MAX_LINE_BYTES

/**
 * Reads an answer body up to `limit` bytes; a longer one is cut off (the connection dropped) and refused with
 * what it started with, so a client that streams forever costs the harness `limit` bytes, not its memory.
 */
async function readLimited(res: Response, limit: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > limit) {
    void res.body?.cancel().catch(() => undefined)
    throw new HarnessError('ERR_DRIVER_PROTOCOL', `${what} declared a body of ${declared} bytes, more than the ${limit} the driver reads`)
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > limit) {
        void reader.cancel().catch(() => undefined)
        const start = Buffer.concat(chunks).subarray(0, 80).toString('utf8')
        throw new HarnessError('ERR_DRIVER_PROTOCOL', `${what} sent a body longer than ${limit} bytes: ${preview(start, 80)}`)
      }
      chunks.push(value)
    }
  } catch (err) {
    if (err instanceof HarnessError) throw err
    throw new HarnessError('ERR_DRIVER_CRASH', `${what} broke off its answer: ${(err as Error).message}`)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export interface HttpDriverOptions {
  /** The test endpoint's base URL, e.g. `http://127.0.0.1:8080/conformance`. */
  url: string
}

/** Checks `--client-url`: an http(s) URL without query or fragment; returns it without a trailing slash. */
export function parseClientUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new HarnessError('ERR_CONFIG', `--client-url ${url} is not a URL; give the test endpoint's base, e.g. http://127.0.0.1:8080/conformance`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new HarnessError('ERR_CONFIG', `--client-url ${url} is not an http(s) URL`)
  if (parsed.search || parsed.hash) throw new HarnessError('ERR_CONFIG', `--client-url ${url} has a query or fragment; give the endpoint's base path only`)
  return parsed.href.replace(/\/$/, '')
}

export function httpTransport(options: HttpDriverOptions): WireTransport {
  const base = parseClientUrl(options.url)
  let session = ''
  let abort = new AbortController()
  return {
    async open() {
      session = randomUUID()
      abort = new AbortController()
    },
    async send(request) {
      const url = `${base}/${request.op}`
      let res: Response
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ ...request, session }),
          redirect: 'manual',
          signal: abort.signal,
        })
      } catch (err) {
        if (abort.signal.aborted) throw new HarnessError('ERR_DRIVER_CRASH', `the request "${request.op}" was abandoned: the scenario ended`)
        const cause = (err as { cause?: { code?: string; message?: string } }).cause
        throw new HarnessError('ERR_DRIVER_CRASH', `could not reach the client at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
      }
      const text = await readLimited(res, MAX_ANSWER_BYTES, `POST ${url} ("${request.op}")`)
      if (res.status !== 200) {
        throw new HarnessError('ERR_DRIVER_PROTOCOL', `POST ${url} answered HTTP ${res.status} to "${request.op}" (id ${request.id}): ${preview(text)}`)
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new HarnessError('ERR_DRIVER_PROTOCOL', `POST ${url} answered a body that is not JSON: ${preview(text)}`)
      }
      if (!isObject(value)) throw new HarnessError('ERR_DRIVER_PROTOCOL', `POST ${url} answered ${jsonKind(value)} instead of a response object: ${preview(text)}`)
      return value
    },
    async close() {
      abort.abort()
    },
  }
}

/** A driver that speaks the driver protocol over HTTP with a running client app. */
export function httpDriver(options: HttpDriverOptions): WireDriver {
  return wireDriver(httpTransport(options))
}
