/**
 * The driver protocol on the wire (docs/driver-protocol.md): the JSON requests and responses that the process,
 * HTTP and container drivers exchange with a client in another process, and `wireDriver`, which turns any
 * transport for them into a `Driver`. The transports only move JSON objects; everything the protocol says about
 * their content is checked here, once.
 */
import { HarnessError } from '../../protocol/errors.ts'
import { TOOL_VERSION } from '../version.ts'
import { ClientRejected, type Capabilities, type Driver, type DriverContext, type ResourceCall, type SessionInfo } from './types.ts'

/** Version of the driver protocol this harness speaks; a client announces its own in the `hello` answer. */
export const DRIVER_PROTOCOL = 1

/** The operations of protocol 1, in the order a scenario meets them. */
export const WIRE_OPS = ['hello', 'init', 'authorize', 'callback', 'call', 'refresh', 'restore', 'signOut', 'dispose', 'clock', 'failStoreWrites'] as const
export type WireOp = (typeof WIRE_OPS)[number]

/** The DriverContext as sent in the `init` request: `hostDocument` becomes the `documents` member of a response. */
export type WireContext = Omit<DriverContext, 'hostDocument' | 'clock'>

/** One request: `{"id":1,"op":"authorize","input":"alice.test"}`. The HTTP driver adds `session`. */
export type WireRequest = { id: number; session?: string } & (
  | { op: 'hello'; protocol: number; harness: { name: string; version: string } }
  | { op: 'init'; context: WireContext }
  | { op: 'authorize'; input: string; scope?: string }
  /** `url` and `mode`: the redirect as the browser delivered it, for a client that reads the response itself. */
  | { op: 'callback'; params: Record<string, string>; query: string; url?: string; mode?: string }
  | ({ op: 'call' } & ResourceCall)
  | { op: 'refresh' }
  | { op: 'restore'; sub: string }
  | { op: 'signOut' }
  | { op: 'dispose' }
  /** Only to a client that announced `clientClock`: its clock now runs `offsetMs` ahead of the real time. */
  | { op: 'clock'; offsetMs: number; now: number }
  /** Only to a client that announced `storeFaults`: from now on every session-store write fails. */
  | { op: 'failStoreWrites' }
)

/** The fields of a request besides `id` (and `session`), for one op. */
export type WireRequestBody = WireRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id' | 'session'> : never) : never

/** An error a client reports: its own stable code and a message for the report. */
export interface WireError {
  code: string
  message: string
}

/**
 * One response: `{"id":1,"ok":true,"result":{…}}` or `{"id":1,"ok":false,"error":{"code":"…","message":"…"}}`.
 * `documents` (path → JSON) are served under the client origin before the harness reads the result.
 */
export type WireResponse = { id: number; documents?: Record<string, unknown> } & (
  | { ok: true; result: unknown }
  | { ok: false; error: WireError }
)

/** What a client says in answer to `hello`. */
export interface HelloResult {
  protocol: number
  name: string
  capabilities: Capabilities
}

/** The environment variables that carry the context to a client program (besides the `init` request). */
export function contextEnv(ctx?: WireContext): Record<string, string> {
  const env: Record<string, string> = { ATPROTO_CONFORMANCE_PROTOCOL: String(DRIVER_PROTOCOL) }
  if (!ctx) return env
  return {
    ...env,
    ATPROTO_CONFORMANCE_SCENARIO: ctx.scenarioId,
    ATPROTO_CONFORMANCE_HANDLE_RESOLVER: ctx.handleResolver,
    ATPROTO_CONFORMANCE_PLC_DIRECTORY_URL: ctx.plcDirectoryUrl,
    ATPROTO_CONFORMANCE_REDIRECT_URI: ctx.redirectUri,
    ATPROTO_CONFORMANCE_CLIENT_ORIGIN: ctx.clientOrigin,
    ATPROTO_CONFORMANCE_CLIENT_KIND: ctx.clientKind,
    ATPROTO_CONFORMANCE_PUBLISH_KEYS_BY: ctx.publishKeysBy,
    ATPROTO_CONFORMANCE_ALLOW_HTTP: String(ctx.allowHttp),
    ...(ctx.scope === undefined ? {} : { ATPROTO_CONFORMANCE_SCOPE: ctx.scope }),
  }
}

/** A JSON value shortened for an error message: `"hello world"`, `{"id":1,…` (at most `max` characters). */
export function preview(value: unknown, max = 200): string {
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    // A value too deep to serialise (a hostile answer nested 100 000 levels) may be too deep to print as well.
    try {
      text = String(value)
    } catch {
      text = '(a value too deep to show)'
    }
  }
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** What kind of JSON value `v` is, for messages: `a JSON array`, `the number 42`, `null`. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a JSON array'
  if (typeof v === 'string') return 'a JSON string'
  if (typeof v === 'number') return `the number ${v}`
  if (typeof v === 'boolean') return `the value ${v}`
  return 'a JSON object'
}

/**
 * Moves requests to a client and its answers back. `send` resolves with the response object whose `id` is the
 * request's, or rejects with a HarnessError (the client crashed, or broke the framing); it never times out by
 * itself (the runner's wrapper does).
 */
export interface WireTransport {
  /** Starts the client for one scenario (or for a probe, without a context). */
  open(ctx?: WireContext): Promise<void>
  send(request: WireRequest): Promise<Record<string, unknown>>
  /** Stops the client; `graceful` when it answered `dispose` and may exit by itself within `ms`. Never rejects. */
  close(graceful: boolean, ms: number): Promise<void>
  /** What the client wrote to its log (stderr), bounded; `undefined` when there is none. */
  log?(): string | undefined
  /**
   * Present when the transport moves the client's clock itself (a process under libfaketime): the client then
   * has the `clientClock` capability without knowing it.
   */
  setClockOffset?(offsetMs: number): void
}

/** How long a client has to answer `dispose` and exit before it is killed. */
export const DISPOSE_GRACE_MS = 2_000

const protocolError = (message: string) => new HarnessError('ERR_DRIVER_PROTOCOL', message)

function readCapabilities(value: unknown, where: string): Capabilities {
  if (!isObject(value)) throw protocolError(`${where} has no "capabilities" object: ${preview(value)}`)
  const caps: Capabilities = { confidential: false, refresh: false, restore: false, signOut: false }
  // The later capabilities are listed only when the client announces them.
  const names: (keyof Capabilities)[] = [
    ...(Object.keys(caps) as (keyof Capabilities)[]),
    'granularScopes', 'native', 'clientClock', 'storeFaults',
  ]
  for (const name of names) {
    const v = value[name]
    if (v === undefined) continue
    if (typeof v !== 'boolean') throw protocolError(`${where} has capabilities.${name} = ${preview(v)}; expected true or false`)
    caps[name] = v
  }
  return caps
}

function readSession(result: unknown, where: string): SessionInfo {
  if (!isObject(result) || typeof result.sub !== 'string' || result.sub === '') {
    throw protocolError(`${where} has no "sub" string in its result: ${preview(result)}`)
  }
  if (result.scope !== undefined && typeof result.scope !== 'string') {
    throw protocolError(`${where} has a "scope" that is not a string: ${preview(result.scope)}`)
  }
  return result.scope === undefined ? { sub: result.sub } : { sub: result.sub, scope: result.scope }
}

/** A Driver with the client's log (stderr) and a probe that only shakes hands. */
export interface WireDriver extends Driver {
  /** The client's log for the report (the last bytes of its stderr), if any. */
  log(): string | undefined
  /** Starts the client, exchanges `hello`, and stops it again: the CLI's check before a run. */
  probe(): Promise<HelloResult>
}

/** Turns a transport into a Driver: request ids, the hello handshake, documents, result shapes and errors. */
export function wireDriver(transport: WireTransport): WireDriver {
  let nextId = 0
  let ctx: DriverContext | undefined
  let opened = false
  let hello: HelloResult | undefined
  let inFlight = 0
  // The first protocol failure: a client that broke the protocol once is not asked anything else.
  let failure: HarnessError | undefined
  let broken = false
  const fail = (err: unknown) => {
    broken = true
    if (err instanceof HarnessError) failure ??= err
  }

  /** The client clock offset last told to the client (or its faketime file). */
  let toldOffset = 0
  let selfClock = false
  /** Before any operation: the client's clock follows the harness's (faketime file, or the `clock` op). */
  async function syncClock(): Promise<void> {
    if (!ctx?.clock) return
    const offset = ctx.clock.now() - Date.now()
    // Below a millisecond or two the difference is the time between the two reads, not a step.
    if (Math.abs(offset - toldOffset) < 5) return
    toldOffset = offset
    if (transport.setClockOffset) transport.setClockOffset(offset)
    else if (selfClock) await request({ op: 'clock', offsetMs: offset, now: ctx.clock.now() })
  }

  async function request(body: WireRequestBody): Promise<unknown> {
    if (failure) throw failure
    if (body.op !== 'clock' && body.op !== 'hello' && body.op !== 'init' && body.op !== 'dispose') await syncClock()
    const id = nextId++
    const where = `the answer to "${body.op}" (id ${id})`
    inFlight++
    let response: Record<string, unknown>
    try {
      response = await transport.send({ id, ...body } as WireRequest)
    } catch (err) {
      fail(err)
      throw err
    } finally {
      inFlight--
    }
    try {
      if (response.id !== id) throw protocolError(`the client answered id ${preview(response.id)} to request ${id} ("${body.op}")`)
      if (typeof response.ok !== 'boolean') throw protocolError(`${where} has no boolean "ok": ${preview(response)}`)
      if (response.documents !== undefined) {
        if (!isObject(response.documents)) throw protocolError(`${where} has "documents" that are not an object: ${preview(response.documents)}`)
        for (const [path, doc] of Object.entries(response.documents)) {
          if (!path.startsWith('/')) throw protocolError(`${where} has a document path that does not start with "/": ${preview(path)}`)
          if (!ctx) throw protocolError(`${where} has documents before "init" gave a context`)
          ctx.hostDocument(path, doc)
        }
      }
      if (response.ok) {
        if (!('result' in response)) throw protocolError(`${where} has "ok": true but no "result": ${preview(response)}`)
        return response.result
      }
      const error = response.error
      if (!isObject(error) || typeof error.code !== 'string' || error.code === '') {
        throw protocolError(`${where} has "ok": false but no "error" with a "code" string: ${preview(response)}`)
      }
      if (error.message !== undefined && typeof error.message !== 'string') {
        throw protocolError(`${where} has an error "message" that is not a string: ${preview(error.message)}`)
      }
      throw new ClientRejected(error.code, (error.message as string | undefined) ?? error.code)
    } catch (err) {
      if (err instanceof HarnessError) fail(err)
      throw err
    }
  }

  async function shakeHands(): Promise<HelloResult> {
    const result = await request({ op: 'hello', protocol: DRIVER_PROTOCOL, harness: { name: 'atproto-oauth-conformance', version: TOOL_VERSION } })
    const where = 'the answer to "hello"'
    if (!isObject(result)) throw protocolError(`${where} is ${jsonKind(result)}, not an object: ${preview(result)}`)
    if (result.protocol !== DRIVER_PROTOCOL) {
      throw protocolError(`the client speaks driver protocol ${preview(result.protocol)}; this harness speaks ${DRIVER_PROTOCOL}`)
    }
    if (typeof result.name !== 'string') throw protocolError(`${where} has no "name" string: ${preview(result)}`)
    return { protocol: DRIVER_PROTOCOL, name: result.name, capabilities: readCapabilities(result.capabilities, where) }
  }

  async function stop(): Promise<void> {
    if (!opened) return
    opened = false
    // A client that answered everything gets a polite dispose; a hung or broken one is killed at once.
    let graceful = false
    if (!broken && inFlight === 0) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), DISPOSE_GRACE_MS)))
      const answered = request({ op: 'dispose' }).then(
        () => 'ok' as const,
        () => 'failed' as const,
      )
      graceful = (await Promise.race([answered, limit]).finally(() => clearTimeout(timer))) === 'ok'
    }
    await transport.close(graceful, DISPOSE_GRACE_MS)
  }

  const session = async (op: 'callback' | 'refresh' | 'restore', body: WireRequestBody) =>
    readSession(await request(body), `the answer to "${op}"`)

  /** Runs one operation; a protocol failure in its result also stops every later one. */
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (err) {
      if (err instanceof HarnessError) fail(err)
      throw err
    }
  }

  return {
    log: () => transport.log?.(),
    async probe() {
      opened = true
      try {
        await transport.open()
      } catch (err) {
        broken = true
        await stop()
        throw err
      }
      try {
        return await shakeHands()
      } finally {
        await stop()
      }
    },
    init: (context) =>
      guarded(async () => {
        ctx = context
        const { hostDocument: _host, ...wireContext } = context
        opened = true
        try {
          await transport.open(wireContext)
        } catch (err) {
          broken = true
          throw err
        }
        hello = await shakeHands()
        const { clock: _clock, ...sent } = wireContext as WireContext & { clock?: unknown }
        const result = await request({ op: 'init', context: sent })
        if (result !== null && !isObject(result)) throw protocolError(`the answer to "init" is ${jsonKind(result)}, not an object: ${preview(result)}`)
        const caps = result?.capabilities === undefined ? hello.capabilities : readCapabilities(result.capabilities, 'the answer to "init"')
        // A client that keeps its own clock hook gets `clock` requests; a faked process clock needs none.
        selfClock = !!caps.clientClock && !transport.setClockOffset
        return transport.setClockOffset ? { ...caps, clientClock: true } : caps
      }),
    authorize: (input, options) =>
      guarded(async () => {
        const result = await request({ op: 'authorize', input, ...(options?.scope ? { scope: options.scope } : {}) })
        const url = isObject(result) ? result.authorizationUrl : undefined
        if (typeof url !== 'string' || !URL.canParse(url)) {
          throw protocolError(`the answer to "authorize" has no "authorizationUrl" URL in its result: ${preview(result)}`)
        }
        return { authorizationUrl: url }
      }),
    callback: (params, response) =>
      guarded(() =>
        session('callback', {
          op: 'callback',
          params: Object.fromEntries(params),
          query: params.toString(),
          ...(response ? { url: response.url, mode: response.mode } : {}),
        }),
      ),
    call: (req) =>
      guarded(async () => {
        const result = await request({
          op: 'call',
          method: req.method,
          path: req.path,
          ...(req.body === undefined ? {} : { body: req.body }),
          ...(req.contentType === undefined ? {} : { contentType: req.contentType }),
          ...(req.proxy === undefined ? {} : { proxy: req.proxy }),
        })
        const status = isObject(result) ? result.status : undefined
        if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
          throw protocolError(`the answer to "call" has no HTTP "status" (100–599) in its result: ${preview(result)}`)
        }
        return { status, body: (result as Record<string, unknown>).body }
      }),
    refresh: () => guarded(() => session('refresh', { op: 'refresh' })),
    restore: (sub) => guarded(() => session('restore', { op: 'restore', sub })),
    signOut: () =>
      guarded(async () => {
        await request({ op: 'signOut' })
      }),
    failStoreWrites: () =>
      guarded(async () => {
        await request({ op: 'failStoreWrites' })
      }),
    dispose: stop,
  }
}
