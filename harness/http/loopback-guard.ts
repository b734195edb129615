import type { NextFunction, Request, Response } from 'express'

/**
 * DNS rebinding: a web page on `evil.example` whose name is switched to 127.0.0.1 after it loads can send
 * same-origin requests to any loopback port, with `Host: evil.example:2587`. And any page can send cross-origin
 * requests that carry its `Origin`. `serve` listens for hours on fixed ports, so its mocks and its control API
 * answer only requests that name a loopback host, and refuse those that come from a page on a foreign origin.
 */

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** `host` (a Host header: name and optional port) names a loopback address, or one of `extra` (e.g. `client.world.internal`). */
export function isLoopbackHost(host: string | undefined, extra: readonly string[] = []): boolean {
  if (!host) return false
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim())
  if (!m) return false
  const name = m[1]!.toLowerCase()
  return LOOPBACK_NAMES.has(name) || extra.includes(name)
}

/** `origin` (an Origin header) is an http(s) origin on a loopback host. `null` (a sandboxed or file: page) is not. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin && isLoopbackHost(url.host)
}

/**
 * Middleware that refuses, with 403 and an OAuth-style JSON error, a request whose Host is not loopback (or one
 * of `extraHosts`) or whose Origin is a foreign web page. Requests without an Origin (curl, the clients' own
 * fetch) pass.
 */
export function loopbackOnly(extraHosts: readonly string[] = []) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host
    const origin = req.headers.origin
    const refuse = (why: string) => {
      res.status(403).setHeader('Content-Type', 'application/json')
      res.setHeader('Connection', 'close')
      res.end(JSON.stringify({ error: 'access_denied', error_description: why }))
    }
    if (!isLoopbackHost(host, extraHosts)) {
      return refuse(`Host ${JSON.stringify(host ?? '')} is not a loopback name: serve answers only 127.0.0.1, localhost and [::1]`)
    }
    if (origin !== undefined && !isLoopbackOrigin(origin)) {
      return refuse(`requests from the web page ${JSON.stringify(origin)} are refused: serve answers only pages on a loopback origin`)
    }
    next()
  }
}
