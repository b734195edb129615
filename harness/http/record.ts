import type { NextFunction, Request, Response } from 'express'
import { ACTOR_HEADER, type Actor, type Headers, type ServerName, type Transcript } from '../../model/transcript.ts'

export { ACTOR_HEADER }
const MAX_RECORDED_BODY = 256 * 1024

function flatHeaders(input: Record<string, unknown>): Headers {
  const out: Headers = {}
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v)
  }
  return out
}

/**
 * Records every request and response of a mock server into the World's transcript: raw headers, the
 * body (read by `readBody`), and what the handler sent back.
 */
export function recordExchanges(transcript: Transcript, server: ServerName, publicOrigin: (req: Request) => string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startTick = transcript.tick()
    const chunks: Buffer[] = []
    let size = 0
    const write = res.write.bind(res) as (...a: unknown[]) => boolean
    const end = res.end.bind(res) as (...a: unknown[]) => Response
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      if (size < MAX_RECORDED_BODY) chunks.push(buf)
      size += buf.length
    }
    res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      keep(chunk, encoding)
      return write(chunk, encoding, cb)
    }) as Response['write']
    res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
      keep(chunk, encoding)
      return end(chunk, encoding, cb)
    }) as Response['end']
    res.on('finish', () => {
      const headers = flatHeaders(req.headers)
      const claimed = headers[ACTOR_HEADER]
      const actor: Actor = claimed === 'user-agent' || claimed === 'authorization-server' ? claimed : 'client'
      const body = (req as Request & { rawBody?: Buffer }).rawBody
      transcript.addExchange({
        startTick,
        server,
        actor,
        request: {
          method: req.method,
          url: publicOrigin(req) + req.originalUrl,
          path: req.path,
          headers,
          body: body && body.length > 0 ? body.toString('utf8') : undefined,
          params: (req as Request & { params_?: Record<string, unknown> }).params_,
        },
        response: {
          status: res.statusCode,
          headers: flatHeaders(res.getHeaders()),
          body: chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined,
        },
      })
    })
    next()
  }
}

/**
 * Records a request that never reached a server (plain http to a World host that serves https only), with the
 * URL the client really used, so checks see what the client tried and the report shows the refused connection.
 */
export function recordRefused(
  transcript: Transcript,
  server: ServerName,
  attempt: { method: string; url: string; headers: Headers; body?: string },
): void {
  const url = new URL(attempt.url)
  const claimed = attempt.headers[ACTOR_HEADER]
  const actor: Actor = claimed === 'user-agent' || claimed === 'authorization-server' ? claimed : 'client'
  transcript.addExchange({
    server,
    actor,
    request: { method: attempt.method, url: attempt.url, path: url.pathname, headers: attempt.headers, body: attempt.body },
    response: { status: 0, headers: {} },
    refused: `connection refused: ${url.host} is served over https only, the client used ${url.protocol}`,
  })
}
