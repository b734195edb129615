import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

/** One HTTP answer with the raw header list (order, spelling and repeated lines kept, as in the captures). */
export interface HttpResult {
  status: number
  headers: IncomingHttpHeaders
  /** `[name, value]` pairs exactly as received. */
  rawHeaders: [string, string][]
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any
}

export interface SendOptions {
  method?: string
  /** Sent as given (an empty string is sent as an empty header line); undefined values are left out. */
  headers?: Record<string, string | string[] | undefined>
  body?: string | Buffer
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean
}

/**
 * Sends one request with node:http (not fetch): exact header values, empty headers and repeated lines
 * go out as written, and nothing is added except Host, Content-Length and Connection. Loopback only.
 */
export function send(url: string, options: SendOptions = {}): Promise<HttpResult> {
  const target = new URL(url)
  if (!isLoopbackUrl(target)) throw new Error(`requests stay on loopback, not ${target.hostname}`)
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k] = v
  const body = options.body === undefined ? undefined : Buffer.from(options.body)
  if (body && !options.chunked) headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target,
      { method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const raw: [string, string][] = []
          for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
          let json: unknown
          try {
            json = text === '' ? undefined : JSON.parse(text)
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: raw, text, json })
        })
      },
    )
    // A server may answer (413) before it read the whole body: that is an answer, not a failure.
    req.on('error', reject)
    if (body && options.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024))
    } else if (body) {
      req.write(body)
    }
    req.end()
  })
}

/** Whether a URL names a loopback host over http (the only addresses the probe and the tests contact). */
export function isLoopbackUrl(url: URL | string): boolean {
  const u = typeof url === 'string' ? new URL(url) : url
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
}

/** Every line of one response header, in order (case-insensitive name). */
export function headerLines(res: HttpResult, name: string): string[] {
  const lower = name.toLowerCase()
  return res.rawHeaders.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v)
}

/** The single value of a header, or undefined; repeated lines are joined with ", " (as fetch does). */
export function header(res: HttpResult, name: string): string | undefined {
  const lines = headerLines(res, name)
  return lines.length === 0 ? undefined : lines.join(', ')
}

/** Form-encodes parameters; undefined values are left out (so a test can drop a default parameter). */
export function form(params: Record<string, string | undefined>): string {
  const out = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out.append(k, v)
  return out.toString()
}
