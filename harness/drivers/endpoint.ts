/**
 * The client side of the driver protocol for a client written in TypeScript/JavaScript: `DriverEndpoint` answers
 * protocol requests by calling an in-process `Driver`, one endpoint per client session. `serveStdio`
 * (stdio-server.ts) and `testEndpoint` (http-endpoint.ts) put it on stdin/stdout or on HTTP.
 */
import { ClientRejected, type Capabilities, type Driver, type DriverContext } from './types.ts'
import { DRIVER_PROTOCOL, isObject, preview, WIRE_OPS, type WireError, type WireOp, type WireResponse } from './wire.ts'

/** What an endpoint says about its client in the `hello` answer. */
export interface EndpointOptions {
  /** The client's name, shown in logs. */
  name: string
  /** Announced in `hello`; the `init` answer carries what the driver's own `init` returns. */
  capabilities: Capabilities
}

/** Makes the in-process driver of one session (one scenario). */
export type EndpointDriverFactory = () => Driver | Promise<Driver>

/** Every error of the driver is the client's refusal: its `code` (ClientRejected, or any error's string code) or class name. */
function wireError(err: unknown): WireError {
  if (err instanceof ClientRejected) return { code: err.code, message: err.message }
  const e = err as Error & { code?: unknown }
  const code = typeof e?.code === 'string' && e.code !== '' ? e.code : (e?.constructor?.name ?? 'Error')
  return { code, message: e?.message ?? String(err) }
}

class BadRequest extends Error {}

function field<T>(request: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = request[name]
  if (!check(v)) throw new BadRequest(`"${request.op}" needs "${name}" (${what}), got ${preview(v)}`)
  return v
}
const isString = (v: unknown): v is string => typeof v === 'string'

/** One client session: the driver, its context, and the documents it asked to host since the last answer. */
export class DriverEndpoint {
  #driver: Driver | undefined
  #documents: Record<string, unknown> = {}
  #disposed = false
  /** The client clock's offset from this process's clock, from `clock` requests. */
  #clockOffsetMs = 0

  constructor(
    private readonly factory: EndpointDriverFactory,
    private readonly options: EndpointOptions,
  ) {}

  /** Whether `dispose` was answered: the session is over. */
  get disposed(): boolean {
    return this.#disposed
  }

  /** Answers one request (already parsed from JSON). Never throws: every failure is an `ok: false` answer. */
  async handle(request: unknown): Promise<WireResponse> {
    const id = isObject(request) && typeof request.id === 'number' ? request.id : -1
    let response: WireResponse
    try {
      if (!isObject(request)) throw new BadRequest(`a request must be a JSON object, got ${preview(request)}`)
      response = { id, ok: true, result: await this.#run(request) }
    } catch (err) {
      response = { id, ok: false, error: err instanceof BadRequest ? { code: 'BadRequest', message: err.message } : wireError(err) }
    }
    // Documents hosted while answering go with the answer, so they are served before the harness goes on.
    if (Object.keys(this.#documents).length > 0) {
      response.documents = this.#documents
      this.#documents = {}
    }
    return response
  }

  #current(): Driver {
    if (!this.#driver) throw new BadRequest('"init" must come first')
    return this.#driver
  }

  async #run(request: Record<string, unknown>): Promise<unknown> {
    const op = request.op as WireOp
    if (!WIRE_OPS.includes(op)) throw new BadRequest(`unknown op ${preview(request.op)} (protocol ${DRIVER_PROTOCOL} knows ${WIRE_OPS.join(', ')})`)
    switch (op) {
      case 'hello':
        if (request.protocol !== DRIVER_PROTOCOL) {
          throw new ClientRejected('UnsupportedProtocol', `this client speaks driver protocol ${DRIVER_PROTOCOL}, not ${preview(request.protocol)}`)
        }
        return { protocol: DRIVER_PROTOCOL, name: this.options.name, capabilities: this.options.capabilities }
      case 'init': {
        const context = field(request, 'context', isObject, 'an object')
        const ctx = {
          ...context,
          hostDocument: (path: string, body: unknown) => {
            this.#documents[path] = body
            return `${String(context.clientOrigin)}${path}`
          },
          // The harness's clock for the client: this process's clock (faked by libfaketime, or not) plus the
          // offset of the last `clock` request.
          clock: { now: () => Date.now() + this.#clockOffsetMs },
        } as DriverContext
        this.#driver = await this.factory()
        return { capabilities: await this.#driver.init(ctx) }
      }
      case 'authorize': {
        const scope = request.scope
        return this.#current().authorize(field(request, 'input', isString, 'a string'), typeof scope === 'string' ? { scope } : undefined)
      }
      case 'callback': {
        const query = request.query
        const params =
          typeof query === 'string'
            ? new URLSearchParams(query)
            : new URLSearchParams(field(request, 'params', isObject, 'an object of strings') as Record<string, string>)
        const { url, mode } = request
        const modes = ['query', 'fragment', 'form_post']
        const response =
          typeof url === 'string' && typeof mode === 'string' && modes.includes(mode)
            ? { url, mode: mode as 'query' | 'fragment' | 'form_post', params: new URLSearchParams(params) }
            : undefined
        return this.#current().callback(params, response)
      }
      case 'call': {
        const method = field(request, 'method', (v): v is 'GET' | 'POST' => v === 'GET' || v === 'POST', 'GET or POST')
        const optional = (name: 'contentType' | 'proxy') =>
          request[name] === undefined ? {} : { [name]: field(request, name, isString, 'a string') }
        return this.#current().call({
          method,
          path: field(request, 'path', isString, 'a string'),
          body: request.body,
          ...optional('contentType'),
          ...optional('proxy'),
        })
      }
      case 'refresh':
        return this.#current().refresh()
      case 'restore':
        return this.#current().restore(field(request, 'sub', isString, 'a string'))
      case 'signOut':
        await this.#current().signOut()
        return null
      case 'clock':
        this.#clockOffsetMs = field(request, 'offsetMs', (v): v is number => typeof v === 'number' && Number.isFinite(v), 'a number of ms')
        return null
      case 'failStoreWrites': {
        const driver = this.#current()
        if (!driver.failStoreWrites) throw new ClientRejected('Unsupported', 'this client cannot make its session store fail')
        await driver.failStoreWrites()
        return null
      }
      case 'dispose':
        this.#disposed = true
        await this.#driver?.dispose()
        return null
    }
  }
}
