import type { NextFunction, Request, Response } from 'express'

/** Largest request body any mock accepts; larger ones get 413 without being buffered. */
export const MAX_BODY_BYTES = 1024 * 1024

/** A request whose body was read by `readBody`. */
export type BodyRequest = Request & { rawBody?: Buffer; params_?: Record<string, unknown> }

/**
 * Reads the raw request body (up to MAX_BODY_BYTES) before any handler runs, so handlers parse it
 * themselves and the transcript records it exactly. Oversize bodies are answered by `onTooLarge` as soon as
 * the size is known, without buffering: the rest is discarded and the connection closed after the answer,
 * so a 50 MB upload costs the mock nothing but the bytes already in flight.
 */
export function readBody(onTooLarge: (res: Response) => void) {
  const tooLarge = (req: BodyRequest, res: Response) => {
    res.setHeader('Connection', 'close')
    onTooLarge(res)
    req.resume()
  }
  return (req: BodyRequest, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_BODY_BYTES) return tooLarge(req, res)
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        done = true
        chunks.length = 0
        tooLarge(req, res)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (done) return
      done = true
      req.rawBody = Buffer.concat(chunks)
      next()
    })
    req.on('error', () => {
      done = true
    })
  }
}
