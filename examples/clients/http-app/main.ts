/**
 * Runs the example app until interrupted:
 *
 *   node --import tsx examples/clients/http-app/main.ts --port 8080
 *   npx atproto-oauth-conformance run --client-url http://127.0.0.1:8080/conformance
 *
 * In a container (`--client-image … --client-option protocol=http`) the port comes from ATPROTO_CONFORMANCE_HTTP_PORT
 * (0: a free port; the harness reads it from the "listening on" line).
 */
import { parseArgs } from 'node:util'
import { startHttpApp } from './app.ts'

const { values } = parseArgs({ options: { port: { type: 'string' } } })
const port = Number(values.port ?? process.env.ATPROTO_CONFORMANCE_HTTP_PORT ?? 8080)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port ${values.port}: expected a port number`)
  process.exit(2)
}
const app = await startHttpApp({ port })
// The container driver waits for this line.
console.log(`listening on ${app.url}`)
console.log(`conformance test endpoint: ${app.endpoint}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0))
  })
}
