import { bypass, http, type HttpHandler } from 'msw'
import { setupServer } from 'msw/node'

/**
 * Presents Worlds under https host names (`https://pds.<world>.test`, …) to in-process clients, so a client can
 * run with its production settings (https only, no allowHttp). msw patches this process's fetch and http
 * modules once; requests to a registered host are forwarded to that World's loopback server, everything else
 * passes through untouched. The table only routes: each World registers its own unique host names and
 * removes them on close, so Worlds never share state through it.
 */
const routes = new Map<string, string>()
let server: ReturnType<typeof setupServer> | undefined

const forward: HttpHandler = http.all(/^https:\/\/[^/]+\.test(\/|$)/, async ({ request }) => {
  const url = new URL(request.url)
  const origin = routes.get(url.host)
  if (!origin) return undefined
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

/** Routes `https://<host>` to a loopback origin until the returned function is called. */
export function routeHttpsHost(host: string, loopbackOrigin: string): () => void {
  if (!server) {
    const created = setupServer(forward)
    created.listen({ onUnhandledRequest: 'bypass' })
    server = created
  }
  routes.set(host, loopbackOrigin)
  return () => {
    routes.delete(host)
    if (routes.size === 0 && server) {
      server.close()
      server = undefined
    }
  }
}
