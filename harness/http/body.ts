import type { NextFunction, Request, Response } from 'express'

/** Largest request body any mock accepts; larger ones get 413 without being buffered. */
export const MAX_BODY_BYTES = 1024 * 1024

/** A request whose body was read by `readBody`. */
export type BodyRequest = Request & { rawBody?: Buffer; params_?: Record<string, unknown> }

/**
 * Reads the raw request body (up to MAX_BODY_BYTES) before any handler runs, so handlers parse it
 * themselves and the transcript records it exactly. Oversize bodies are answered by `onTooLarge`.
 */
export function readBody(onTooLarge: (res: Response) => void) {
  return (req: BodyRequest, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_BODY_BYTES) {
      req.resume()
      onTooLarge(res)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        done = true
        onTooLarge(res)
        req.resume()
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
