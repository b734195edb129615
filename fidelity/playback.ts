/**
 * A server that answers from the recording: every request gets the recorded response of the next recorded
 * exchange, its origin rewritten to the playback server's and every value it hands out (request_uris, codes,
 * tokens, cookies, CSRF and ephemeral tokens) replaced by a fresh one of the same shape. It is how the probe
 * is tested end to end without a real `@atproto/pds`: the comparison must find no difference at all, and the
 * requests must carry the fresh values where the recording carried the recorded ones — the playback server
 * checks `Authorization`, cookies, the CSRF header, `Referer`, `Origin`, the code / token / request_uri
 * parameters, and the whole body and URL of the reference UI steps, and reports every mismatch.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { listenLoopback } from '../harness/http/listen.ts'
import { REFERENCE_ISSUER, REFERENCE_OTHER_ORIGIN, scopeOf, UI_API_PREFIX, type Capture } from './captures.ts'
import { otherLoopbackName } from './target.ts'
import { ValueMap } from './values.ts'

export interface Playback {
  /** `http://127.0.0.1:<port>`: issuer and PDS origin, like the recorded server. */
  origin: string
  /** Requests that did not come in the recorded order, or UI requests whose headers or body differ. */
  problems: string[]
  /** How many recorded exchanges were answered. */
  served(): number
  /** How many the queue holds. */
  expected: number
  close(): Promise<void>
}

const DROPPED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date'])
/** Request headers the reference UI checks (reference-wire.md §11.5). */
const UI_HEADERS = ['cookie', 'x-csrf-token', 'referer', 'origin', 'authorization', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest']

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Response JSON fields whose values the server hands out (and the client sends back). */
const ISSUED_FIELDS = ['request_uri', 'access_token', 'refresh_token', 'ephemeralToken', 'code']
/** Request parameters that carry a handed-out value back (body or query). */
const RETURNED_PARAMS = ['code', 'refresh_token', 'token', 'request_uri']

/** A fresh value of the same shape: a JWT gets another signature, anything else new hex digits. */
function rotate(value: string): string {
  const parts = value.split('.')
  if (parts.length === 3) {
    return `${parts[0]}.${parts[1]}.${randomBytes(parts[2]!.length).toString('base64url').slice(0, parts[2]!.length)}`
  }
  const cut = value.lastIndexOf('-') + 1
  return value.slice(0, cut) + value.slice(cut).replace(/[0-9a-f]/g, () => '0123456789abcdef'[randomBytes(1)[0]! % 16]!)
}

function params(body: string, contentType: string | undefined, query: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of new URLSearchParams(query)) out.set(`query.${k}`, v)
  if (contentType?.includes('json')) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(body))) if (typeof v === 'string') out.set(k, v)
    } catch {
      // not JSON
    }
  } else {
    for (const [k, v] of new URLSearchParams(body)) out.set(k, v)
  }
  return out
}

function cookieSet(value: string | undefined): string {
  return (value ?? '')
    .split(/;\s*/)
    .filter(Boolean)
    .sort()
    .join('; ')
}

/**
 * Starts a playback server for the exchanges the probe will send, in order: every capture of the given
 * folders but account creation (which the probe never sends).
 */
export async function startPlayback(captures: readonly Capture[]): Promise<Playback> {
  const queue = captures.filter((c) => scopeOf(c).area !== 'account-creation')
  const problems: string[] = []
  let next = 0
  let origin = ''
  /** Recorded value → the fresh value this server handed out instead. */
  const issued = new ValueMap()
  const swap = (text: string) =>
    issued.apply(text.replaceAll(REFERENCE_ISSUER, origin).replaceAll(encodeURIComponent(REFERENCE_ISSUER), encodeURIComponent(origin)))
  const issue = (value: unknown) => {
    if (typeof value === 'string' && value !== '') issued.set(value, rotate(value))
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const path = (req.url ?? '/').split('?')[0]!
    const expected = queue[next]
    if (!expected || expected.request.method !== req.method || new URL(expected.request.url).pathname !== path) {
      // The probe's nonce warm-up (a PAR with no parameters) is not a recorded exchange.
      if (!(req.method === 'POST' && path === '/oauth/par' && body === '' && req.headers.dpop === undefined)) {
        problems.push(`unexpected ${req.method} ${path}; next recorded: ${expected ? `${expected.request.method} ${expected.key}` : 'none'}`)
      }
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
      return
    }
    next++
    const recordedHost = new URL(expected.request.url).origin === REFERENCE_OTHER_ORIGIN ? otherLoopbackName(origin)! : origin
    if (`http://${req.headers.host}` !== recordedHost) problems.push(`${expected.key}: sent to ${req.headers.host}, expected ${recordedHost}`)
    const recordedUrl = new URL(expected.request.url)
    const path_ = recordedUrl.pathname
    const ui = path_.startsWith(UI_API_PREFIX) || path_ === '/oauth/authorize/redirect'
    for (const name of ui ? UI_HEADERS : ['authorization', 'cookie']) {
      const recorded = expected.request.headers[name]
      const got = req.headers[name] as string | undefined
      const want = recorded === undefined ? undefined : swap(recorded)
      const same = name === 'cookie' ? cookieSet(got) === cookieSet(want) : got === want
      if (!same) problems.push(`${expected.key}: ${name} ${JSON.stringify(got)}, recorded ${JSON.stringify(want)}`)
    }
    if (ui) {
      const want = expected.request.body === null ? '' : swap(expected.request.body)
      if (body !== want) problems.push(`${expected.key}: body ${body}, recorded ${want}`)
      const wantUrl = swap(recordedUrl.pathname + recordedUrl.search)
      if (req.url !== wantUrl) problems.push(`${expected.key}: URL ${req.url}, recorded ${wantUrl}`)
    } else {
      const type = expected.request.headers['content-type']
      const got = params(body, req.headers['content-type'], (req.url ?? '').split('?')[1] ?? '')
      const want = params(expected.request.body ?? '', type, recordedUrl.search.slice(1))
      for (const name of RETURNED_PARAMS.flatMap((p) => [p, `query.${p}`])) {
        const w = want.get(name)
        if (w !== undefined && got.get(name) !== swap(w)) {
          problems.push(`${expected.key}: ${name} ${JSON.stringify(got.get(name))}, recorded ${JSON.stringify(swap(w))}`)
        }
      }
    }
    // Fresh values for everything this response hands out.
    for (const [k, v] of expected.response.headers) {
      if (k.toLowerCase() === 'set-cookie') issue(v.split(';')[0]!.split('=').slice(1).join('='))
      if (k.toLowerCase() === 'location') {
        try {
          issue(new URL(v).searchParams.get('code'))
        } catch {
          // not a URL
        }
      }
    }
    const json = expected.response.json
    if (json && typeof json === 'object') {
      for (const field of ISSUED_FIELDS) issue(json[field])
      if (typeof json.url === 'string') issue(new URL(json.url).searchParams.get('code'))
    }
    const raw: string[] = []
    for (const [k, v] of expected.response.headers) {
      if (!DROPPED.has(k.toLowerCase())) raw.push(k, swap(v))
    }
    res.writeHead(expected.response.status, raw)
    res.end(swap(expected.response.body))
  }

  const server = await listenLoopback((req, res) => {
    handler(req, res).catch((err: Error) => {
      problems.push(`playback failed: ${err.message}`)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  origin = server.origin
  return {
    origin,
    problems,
    served: () => next,
    expected: queue.length,
    close: () => server.close(),
  }
}
