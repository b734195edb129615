/**
 * The HTTP variant of the driver protocol, client side: a Node request handler that exposes an in-process
 * `Driver` as a test endpoint of a running app. `POST <prefix>/<op>` takes the same JSON request as a stdio line
 * (plus `session`, one per scenario) and answers the same JSON response, always with HTTP 200; a request the
 * endpoint cannot read gets 400. Mount it on a loopback-only listener, or behind a flag: it logs in and calls
 * the PDS for whoever asks.
 *
 * ```ts
 * const endpoint = testEndpoint(() => myDriver(), { name: 'my-app', capabilities: { … } })
 * http.createServer((req, res) => endpoint(req, res) || myApp(req, res)).listen(8080, '127.0.0.1')
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DriverEndpoint, type EndpointDriverFactory, type EndpointOptions } from './endpoint.ts'
import { isObject, WIRE_OPS, type WireOp } from './wire.ts'

export interface TestEndpointOptions extends EndpointOptions {
  /** Path prefix of the endpoint (default `/conformance`): the harness posts to `<prefix>/<op>`. */
  prefix?: string
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBody?: number
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(text)
}

async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * A request handler for the test endpoint; returns `false` (and leaves the response alone) for requests that
 * are not for it, so the app's own routes can answer them.
 */
export function testEndpoint(factory: EndpointDriverFactory, options: TestEndpointOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = (options.prefix ?? '/conformance').replace(/\/$/, '')
  const maxBody = options.maxBody ?? 1024 * 1024
  // One endpoint per harness session (scenario); `dispose` ends it.
  const sessions = new Map<string, DriverEndpoint>()

  async function handle(op: WireOp, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, maxBody)
    if (text === undefined) return answer(res, 413, { error: 'request_too_large', message: `the body exceeds ${maxBody} bytes` })
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch {
      return answer(res, 400, { error: 'invalid_json', message: 'the body is not JSON' })
    }
    if (!isObject(request) || request.op !== op) {
      return answer(res, 400, { error: 'invalid_request', message: `the body must be a request object whose "op" is "${op}"` })
    }
    const session = request.session
    if (typeof session !== 'string' || session === '') {
      return answer(res, 400, { error: 'invalid_request', message: 'the request has no "session" string' })
    }
    let endpoint = sessions.get(session)
    if (!endpoint) {
      if (op !== 'hello') return answer(res, 400, { error: 'unknown_session', message: `session ${session} did not start with "hello"` })
      endpoint = new DriverEndpoint(factory, options)
      sessions.set(session, endpoint)
    }
    const response = await endpoint.handle(request)
    if (endpoint.disposed) sessions.delete(session)
    answer(res, 200, response)
  }

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://endpoint').pathname
    if (!path.startsWith(`${prefix}/`)) return false
    const op = path.slice(prefix.length + 1) as WireOp
    if (!WIRE_OPS.includes(op)) {
      answer(res, 404, { error: 'unknown_op', message: `no operation "${op}" (known: ${WIRE_OPS.join(', ')})` })
    } else if (req.method !== 'POST') {
      answer(res, 405, { error: 'method_not_allowed', message: `use POST ${prefix}/${op}` })
    } else {
      handle(op, req, res).catch((err: unknown) => {
        if (!res.headersSent) answer(res, 500, { error: 'internal_error', message: (err as Error)?.message ?? String(err) })
      })
    }
    return true
  }
}
