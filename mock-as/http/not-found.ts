/**
 * Express's own 404 answer (finalhandler), as the reference PDS gives it for any path no route takes: an HTML
 * page naming the method and path, with the app-wide CORS header (reference §2 `extra/c/c-get-token`).
 */
import type { Request, Response } from 'express'
import { escapeHtml } from '../consent-page.ts'

export function expressNotFoundPage(method: string, path: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>Cannot ${escapeHtml(method)} ${escapeHtml(path)}</pre>\n</body>\n</html>\n`
  )
}

export function sendExpressNotFound(req: Request, res: Response): void {
  res.status(404)
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Content-Security-Policy', "default-src 'none'")
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.end(expressNotFoundPage(req.method, req.originalUrl.split('?')[0]!))
}
