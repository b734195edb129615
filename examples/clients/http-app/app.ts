/**
 * An example client app that exposes the official `@atproto/oauth-client-node` over the HTTP test endpoint of the
 * driver protocol (docs/driver-protocol.md, "HTTP"), next to its own page. The harness drives it with
 * `run --client-url http://127.0.0.1:<port>/conformance`; each scenario is one session of the endpoint, with its
 * own client instance and stores.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { testEndpoint } from '../../../harness/drivers/http-endpoint.ts'
import { officialNodeClient } from '../official-node/adapter.ts'

export interface HttpApp {
  /** The app's origin, e.g. `http://127.0.0.1:8080`. */
  url: string
  /** The test endpoint to give to `--client-url`. */
  endpoint: string
  close(): Promise<void>
}

/** Starts the app on loopback (port 0: an ephemeral port). */
export async function startHttpApp(options: { port?: number; host?: string } = {}): Promise<HttpApp> {
  const endpoint = testEndpoint(() => officialNodeClient(), {
    name: '@atproto/oauth-client-node (http-app)',
    capabilities: { confidential: true, refresh: true, restore: true, signOut: true },
  })
  const server: Server = createServer((req, res) => {
    if (endpoint(req, res)) return
    if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end('<!doctype html><title>example app</title><p>An example atproto app. Its conformance test endpoint is under /conformance/.</p>')
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host}:${port}`
  return {
    url,
    endpoint: `${url}/conformance`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
