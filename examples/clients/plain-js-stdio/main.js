#!/usr/bin/env node
// The plain-JavaScript client (client.js) as a program the conformance harness drives over stdio: one JSON
// request per line on stdin, one JSON response per line on stdout (docs/driver-protocol.md). Logs go to stderr,
// which the harness keeps in the report. Run it with:
//
//   npx atproto-oauth-conformance run --client-command "node examples/clients/plain-js-stdio/main.js"
//
// Copy this file's shape into any language: read lines, answer each by its id, exit when stdin ends.
import { createInterface } from 'node:readline'
import { createClient } from './client.js'

const PROTOCOL = 1
// What this client can do; the harness SKIPs the scenarios that need the rest, with the reason.
const CAPABILITIES = { confidential: false, refresh: true, restore: false, signOut: true }

const log = (message) => process.stderr.write(`[plain-js] ${message}\n`)
let client

/** Runs one operation and returns its result; a thrown error becomes { ok: false, error: { code, message } }. */
async function run(request) {
  switch (request.op) {
    case 'hello':
      if (request.protocol !== PROTOCOL) throw Object.assign(new Error(`this client speaks protocol ${PROTOCOL}`), { code: 'UnsupportedProtocol' })
      return { protocol: PROTOCOL, name: 'plain-js-stdio', capabilities: CAPABILITIES }
    case 'init': {
      // The same context is in the ATPROTO_CONFORMANCE_* environment variables.
      const ctx = request.context
      log(`scenario ${ctx.scenarioId}`)
      client = createClient({ handleResolver: ctx.handleResolver, plcDirectoryUrl: ctx.plcDirectoryUrl, redirectUri: ctx.redirectUri, allowHttp: ctx.allowHttp, log })
      return { capabilities: CAPABILITIES }
    }
    case 'authorize':
      return { authorizationUrl: await client.authorize(request.input) }
    case 'callback':
      return client.callback(new URLSearchParams(request.query))
    case 'call':
      return client.call(request.method, request.path, request.body)
    case 'refresh':
      return client.refresh()
    case 'signOut':
      await client.signOut()
      return null
    case 'dispose':
      return null
    default:
      throw Object.assign(new Error(`unsupported op ${JSON.stringify(request.op)}`), { code: 'UnsupportedOp' })
  }
}

const inFlight = new Set()
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue
  const request = JSON.parse(line)
  // Answer every request by its id; several may be in flight at once (parallel resource calls).
  const answer = run(request).then(
    (result) => ({ id: request.id, ok: true, result }),
    (err) => ({ id: request.id, ok: false, error: { code: err.code ?? err.constructor.name, message: err.message } }),
  )
  const done = answer.then((response) => process.stdout.write(`${JSON.stringify(response)}\n`))
  inFlight.add(done)
  done.finally(() => inFlight.delete(done))
}
// stdin ended: the harness is done with this client.
await Promise.all(inFlight)
process.exit(0)
