import { connect, type Socket } from 'node:net'

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  status: number
  /** Lower-case names; repeated lines kept in order. */
  headers: Record<string, string[]>
  body: Buffer
  text: string
}

/** What came of one raw request. */
export type RawOutcome =
  | { kind: 'response'; response: RawResponse }
  /** The server closed the connection without a complete response (e.g. after a truncated request). */
  | { kind: 'closed'; partial: string }
  | { kind: 'timeout'; partial: string }

const HEAD_END = Buffer.from('\r\n\r\n')

/** Parses one complete response at the start of `buf`; undefined while more bytes are needed. */
function parseResponse(buf: Buffer, method: string, ended: boolean): { response: RawResponse; rest: Buffer } | undefined {
  const headEnd = buf.indexOf(HEAD_END)
  if (headEnd < 0) return undefined
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN)
  const headers: Record<string, string[]> = {}
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const name = line.slice(0, i).trim().toLowerCase()
    ;(headers[name] ??= []).push(line.slice(i + 1).trim())
  }
  let at = headEnd + 4
  // An interim answer (100 Continue): the real one follows.
  if (status >= 100 && status < 200 && status !== 101) return parseResponse(buf.subarray(at), method, ended)
  const done = (body: Buffer, end: number) => ({
    response: { status, headers, body, text: body.toString('utf8') },
    rest: buf.subarray(end),
  })
  if (method === 'HEAD' || status === 204 || status === 304 || status === 101) return done(Buffer.alloc(0), at)
  if (headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) {
    const parts: Buffer[] = []
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at)
      if (lineEnd < 0) return undefined
      const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16)
      if (Number.isNaN(size)) throw new Error('malformed chunk size')
      const start = lineEnd + 2
      if (size === 0) {
        const trailerEnd = buf.indexOf(HEAD_END, lineEnd)
        const end = buf.subarray(lineEnd, lineEnd + 4).equals(HEAD_END) ? lineEnd + 4 : trailerEnd < 0 ? -1 : trailerEnd + 4
        if (end < 0) return undefined
        return done(Buffer.concat(parts), end)
      }
      if (buf.length < start + size + 2) return undefined
      parts.push(buf.subarray(start, start + size))
      at = start + size + 2
    }
  }
  const length = headers['content-length']?.[0]
  if (length !== undefined) {
    const n = Number(length)
    if (buf.length < at + n) return undefined
    return done(buf.subarray(at, at + n), at + n)
  }
  // No length: the body runs to the end of the connection.
  return ended ? done(buf.subarray(at), buf.length) : undefined
}

/** A request as bytes: the head is written exactly as given (no header is added). */
export interface RawRequest {
  method: string
  /** Request target, e.g. `/oauth/par?x=1`. */
  target: string
  headers: [string, string][]
  body?: Buffer | string
  /**
   * Send only this many bytes of the request and then half-close the connection (a client that dies mid-request).
   */
  truncateAt?: number
}

/** Serialises a request; `Host` and `Content-Length` are added when the caller left them out. */
export function requestBytes(origin: string, req: RawRequest): Buffer {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body)
  const names = new Set(req.headers.map(([k]) => k.toLowerCase()))
  const headers = [...req.headers]
  if (!names.has('host')) headers.unshift(['Host', new URL(origin).host])
  if (body && !names.has('content-length') && !names.has('transfer-encoding')) headers.push(['Content-Length', String(body.length)])
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`
  const bytes = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1')
  return req.truncateAt === undefined ? bytes : bytes.subarray(0, req.truncateAt)
}

/**
 * A raw HTTP/1.1 client over one keep-alive TCP connection to a loopback origin (reconnecting when the server
 * closes it). It writes requests byte for byte, so it can send what fetch and node:http refuse to: bad header
 * bytes, duplicate lines, truncated bodies. It bypasses the network boundary (which routes fetch and node:http, not net).
 */
interface Connection {
  socket: Socket
  buf: Buffer
  ended: boolean
  waiter?: () => void
}

export class RawHttpClient {
  #conn: Connection | undefined
  readonly host: string
  readonly port: number

  constructor(
    readonly origin: string,
    readonly timeoutMs = 5000,
  ) {
    const url = new URL(origin)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`raw requests stay on loopback, not ${url.hostname}`)
    this.host = url.hostname === '[::1]' ? '::1' : url.hostname
    this.port = Number(url.port)
  }

  #connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port })
      const conn: Connection = { socket, buf: Buffer.alloc(0), ended: false }
      socket.once('connect', () => {
        socket.off('error', reject)
        socket.on('data', (chunk: Buffer) => {
          conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk])
          conn.waiter?.()
        })
        const end = () => {
          conn.ended = true
          if (this.#conn === conn) this.#conn = undefined
          conn.waiter?.()
        }
        socket.on('end', end)
        socket.on('close', end)
        socket.on('error', end)
        resolve(conn)
      })
      socket.once('error', reject)
    })
  }

  /** Sends one request and reads its response (or notes that the connection closed or timed out). */
  async send(req: RawRequest): Promise<RawOutcome> {
    const fresh = !this.#conn
    const conn = this.#conn ?? (this.#conn = await this.#connect())
    conn.socket.write(requestBytes(this.origin, req))
    if (req.truncateAt !== undefined) conn.socket.end()
    const outcome = await this.#read(conn, req.method)
    // A keep-alive connection the server had just closed: one retry on a new connection (as every client does).
    if (!fresh && outcome.kind === 'closed' && outcome.partial === '' && req.truncateAt === undefined) return this.send(req)
    return outcome
  }

  #read(conn: Connection, method: string): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const partial = () => conn.buf.toString('latin1').slice(0, 200)
      const timer = setTimeout(() => finish({ kind: 'timeout', partial: partial() }), this.timeoutMs)
      const finish = (outcome: RawOutcome) => {
        clearTimeout(timer)
        conn.waiter = undefined
        if (outcome.kind !== 'response' || outcome.response.headers.connection?.some((v) => /close/i.test(v))) this.#drop(conn)
        resolve(outcome)
      }
      const check = () => {
        let parsed
        try {
          parsed = parseResponse(conn.buf, method, conn.ended)
        } catch {
          return finish({ kind: 'closed', partial: partial() })
        }
        if (parsed) {
          conn.buf = parsed.rest
          return finish({ kind: 'response', response: parsed.response })
        }
        if (conn.ended) finish({ kind: 'closed', partial: partial() })
      }
      conn.waiter = check
      check()
    })
  }

  #drop(conn: Connection): void {
    conn.socket.destroy()
    if (this.#conn === conn) this.#conn = undefined
  }

  /** Closes the connection; a later request opens a new one. */
  close(): void {
    if (this.#conn) this.#drop(this.#conn)
  }
}
