import { bypass, http, type HttpHandler } from 'msw'
import { setupServer } from 'msw/node'

/**
 * The network boundary of in-process clients, through msw (which patches this process's fetch and http
 * modules while any World is open):
 * - Worlds under https host names (`https://pds.<world>.test`, …) are forwarded to that World's loopback
 *   servers, so a client can run with its production settings (https only, no allowHttp);
 * - loopback addresses pass through untouched;
 * - anything else fails as a network error without leaving the machine: a client that follows a fault to
 *   `https://evil.example` (or hard-codes bsky.social) gets an error, and nothing is sent.
 * The table only routes: each World registers its own unique host names and removes them on close, so
 * Worlds never share state through it.
 */
const routes = new Map<string, string>()
let server: ReturnType<typeof setupServer> | undefined

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])
let users = 0

const forward: HttpHandler = http.all(/.*/, async ({ request }) => {
  const url = new URL(request.url)
  if (LOOPBACK.has(url.hostname)) return undefined // passes through
  const origin = routes.get(url.host)
  if (!origin) return Response.error()
  const target = new URL(url.pathname + url.search, origin)
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
  const upstream = await fetch(bypass(new Request(target, { method: request.method, headers: request.headers, body, redirect: 'manual' })), {
    redirect: 'manual',
  })
  return new Response(upstream.status === 204 || upstream.status === 304 ? null : await upstream.arrayBuffer(), {
    status: upstream.status,
    headers: upstream.headers,
  })
})

/** Holds the network guard up until the returned function is called (refcounted: one per open World). */
export function holdNetworkGuard(): () => void {
  if (users++ === 0) {
    const created = setupServer(forward)
    created.listen({ onUnhandledRequest: 'bypass' })
    server = created
  }
  let released = false
  return () => {
    if (released) return
    released = true
    if (--users === 0 && server) {
      server.close()
      server = undefined
    }
  }
}

/** Routes `https://<host>` to a loopback origin until the returned function is called. */
export function routeHttpsHost(host: string, loopbackOrigin: string): () => void {
  routes.set(host, loopbackOrigin)
  return () => {
    routes.delete(host)
  }
}
