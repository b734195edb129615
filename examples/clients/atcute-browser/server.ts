import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startSpaServer, type SpaServer } from '../browser-spa/server.ts'

/**
 * The library declares `@atcute/identity-resolver` ^1 (a peer dependency); this repository's own copy is 2.x (for
 * the node client), so the bundle takes the 1.x copy npm installed next to the library, as an app would have.
 * Where npm hoisted a 1.x copy instead, the plain import already finds it.
 */
const RESOLVER_1X = fileURLToPath(new URL('../../../node_modules/@atcute/oauth-browser-client/node_modules/@atcute/identity-resolver/dist/index.js', import.meta.url))

/**
 * The @atcute SPA on 127.0.0.1:<free port>, built like the bundled browser example (esbuild, served from memory).
 * Point the browser driver at its URL: `run --client-browser <url>`.
 */
export function startAtcuteSpaServer(): Promise<SpaServer> {
  return startSpaServer(new URL('./index.html', import.meta.url), {
    entry: fileURLToPath(new URL('./app.ts', import.meta.url)),
    ...(existsSync(RESOLVER_1X) ? { alias: { '@atcute/identity-resolver': RESOLVER_1X } } : {}),
  })
}

// `npx tsx examples/clients/atcute-browser/server.ts` serves the page until Ctrl-C, for `run --client-browser <url>`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startAtcuteSpaServer()
  console.log(`the @atcute browser SPA is at ${server.url} (Ctrl-C to stop)`)
  const stop = () => void server.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
