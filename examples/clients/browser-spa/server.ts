import { readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import { packageFile } from '../../../model/package-file.ts'
import { buildSpa, type SpaSource } from './build.ts'

/** The example SPA on a loopback port: `/` (any path) is the page, `/app.js` the bundle. */
export interface SpaServer {
  /** `http://127.0.0.1:<port>/`: the page, and the loopback client's redirect URI. */
  url: string
  close(): Promise<void>
}

/**
 * Builds the bundle once and serves it with index.html on 127.0.0.1 (never another interface). Another SPA built
 * the same way passes its own page and source (examples/clients/atcute-browser).
 */
export async function startSpaServer(page: URL = packageFile('examples/clients/browser-spa/index.html'), source?: SpaSource): Promise<SpaServer> {
  const [html, js] = await Promise.all([
    readFile(page, 'utf8'),
    // The bundle is served from memory: its temp directory goes as soon as it is read.
    buildSpa(undefined, source).then((file) => readFile(file, 'utf8').finally(() => rm(dirname(file), { recursive: true, force: true }))),
  ])
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end()
    const [type, body] = path === '/app.js' ? ['text/javascript; charset=utf-8', js] : ['text/html; charset=utf-8', html]
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
