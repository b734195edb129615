import http from 'node:http'
import https from 'node:https'
import { connect as netConnect, type Socket } from 'node:net'
import { Agent, buildConnector, type Dispatcher } from 'undici'

/**
 * The network boundary of in-process clients, installed while any World is open. It works where a client's
 * bytes go, not on its fetch: the process's undici dispatcher (Node's fetch and the undici package share it)
 * gets a connector that chooses the socket, and node:http/https's global agents get the same choice. The
 * client's fetch, Request and Response objects stay the platform's own, so bodies behave exactly as in
 * production: cancel, tee, streaming and backpressure are the real ones (an interceptor that rebuilds the
 * Response changes them: docs/drivers.md, "The network boundary").
 * - World host names (`https://pds.<world>.test`, …) connect to that World's loopback server over a plain TCP
 *   hop (no TLS to terminate: the client still speaks https to a host name, the socket just ends on loopback);
 * - the same host names with `http:` are refused as a server listening only on 443 would refuse them, and the
 *   attempt is reported to the World with its real URL, so the transcript shows the client used plain http;
 * - loopback addresses connect directly;
 * - anything else fails as a name-resolution error without leaving the machine: a client that follows a
 *   fault to `https://evil.example` (or hard-codes bsky.social) gets an error, and nothing is sent.
 * The table only routes: each World registers its own unique host names and removes them on close, so Worlds
 * never share state through it. A client that brings its own dispatcher or http.Agent bypasses the boundary.
 */

/** A request to a World host that used a scheme the host does not serve. */
export interface WrongSchemeAttempt {
  method: string
  /** The URL as the client wrote it (scheme included). */
  url: string
  headers: Record<string, string | string[]>
  /** The request body when it was given whole (a string or bytes); a stream is not read. */
  body?: string
}

interface Route {
  port: number
  onWrongScheme?(attempt: WrongSchemeAttempt): void
}

const routes = new Map<string, Route>()
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1')
const GLOBAL_DISPATCHER_2 = Symbol.for('undici.globalDispatcher.2')

function refusal(code: 'ECONNREFUSED' | 'ENOTFOUND', host: string, why: string): Error {
  const syscall = code === 'ENOTFOUND' ? 'getaddrinfo' : 'connect'
  return Object.assign(new Error(`${syscall} ${code} ${host} (${why})`), { code, syscall, hostname: host })
}

/** Where a connection to `hostname` over `protocol` goes: a loopback port, directly, or nowhere. */
function decide(hostname: string, protocol: string): { to: 'direct' } | { to: 'world'; port: number } | { to: 'refuse'; error: Error } {
  if (LOOPBACK.has(hostname)) return { to: 'direct' }
  const route = routes.get(hostname)
  if (!route) return { to: 'refuse', error: refusal('ENOTFOUND', hostname, 'the conformance network guard lets clients reach only the World') }
  if (protocol !== 'https:') return { to: 'refuse', error: refusal('ECONNREFUSED', hostname, `the World serves ${hostname} over https only`) }
  return { to: 'world', port: route.port }
}

function toWorld(port: number, done: (err: Error | null, socket: Socket | null) => void): Socket {
  const socket = netConnect({ host: '127.0.0.1', port })
  socket.setNoDelay(true)
  const onError = (err: Error) => done(err, null)
  socket.once('error', onError)
  socket.once('connect', () => {
    socket.off('error', onError)
    done(null, socket)
  })
  return socket
}

const direct = buildConnector({})
const connect: buildConnector.connector = (opts, callback) => {
  const route = decide(opts.hostname, opts.protocol)
  if (route.to === 'direct') return direct(opts, callback)
  if (route.to === 'refuse') return void queueMicrotask(() => callback(route.error, null))
  toWorld(route.port, (err, socket) => (err ? callback(err, null) : callback(null, socket!)))
}

/** Reports a plain-http request to a World host before the connector refuses it. */
class BoundaryAgent extends Agent {
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = opts.origin ? new URL(String(opts.origin)) : undefined
    const route = origin && origin.protocol === 'http:' ? routes.get(origin.hostname) : undefined
    if (origin && route?.onWrongScheme) {
      const body = typeof opts.body === 'string' ? opts.body : opts.body instanceof Uint8Array ? Buffer.from(opts.body).toString('utf8') : undefined
      route.onWrongScheme({ method: opts.method, url: new URL(opts.path, origin).href, headers: flatHeaders(opts.headers), body })
    }
    return super.dispatch(opts, handler)
  }
}

function flatHeaders(headers: Dispatcher.DispatchOptions['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const add = (k: string, v: unknown) => {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v)
  }
  if (!headers) return out
  if (Array.isArray(headers)) {
    // The flat [name, value, name, value…] form.
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), headers[i + 1])
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of headers as Iterable<[string, string]>) add(k, v)
  } else {
    for (const [k, v] of Object.entries(headers)) add(k, v)
  }
  return out
}

type CreateConnection = (options: Record<string, unknown>, cb?: (err: Error | null, socket?: Socket) => void) => Socket | undefined

/** Gives a node:http(s) global agent the same choice of socket. */
function guardAgent(agent: http.Agent, protocol: 'http:' | 'https:'): () => void {
  const target = agent as unknown as { createConnection: CreateConnection }
  const original = target.createConnection
  target.createConnection = function (options, cb) {
    const hostname = String(options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1')
    const route = decide(LOOPBACK.has(`[${hostname}]`) ? '::1' : hostname, protocol)
    if (route.to === 'direct') return original.call(this, options, cb)
    if (route.to === 'refuse') {
      // A socket that fails as a refused connection or a failed lookup would (no name is really looked up).
      return netConnect({ host: 'refused.invalid', port: 443, lookup: (_h, _o, done) => done(route.error as NodeJS.ErrnoException, '', 4) })
    }
    return toWorld(route.port, () => undefined)
  }
  return () => {
    target.createConnection = original
  }
}

let users = 0
let installed: { agent: BoundaryAgent; restore: () => void } | undefined

function install(): { agent: BoundaryAgent; restore: () => void } {
  const g = globalThis as Record<symbol, unknown>
  const previous = [g[GLOBAL_DISPATCHER], g[GLOBAL_DISPATCHER_2]]
  const agent = new BoundaryAgent({ connect })
  const set = (value: unknown[]) => {
    for (const [i, sym] of [GLOBAL_DISPATCHER, GLOBAL_DISPATCHER_2].entries()) {
      Object.defineProperty(globalThis, sym, { value: value[i], writable: true, enumerable: false, configurable: false })
    }
  }
  set([agent, agent])
  const unguard = [guardAgent(http.globalAgent, 'http:'), guardAgent(https.globalAgent, 'https:')]
  return {
    agent,
    restore() {
      set(previous)
      for (const f of unguard) f()
      void agent.destroy().catch(() => undefined)
    },
  }
}

/** Holds the network boundary up until the returned function is called (refcounted: one per open World). */
export function holdNetworkGuard(): () => void {
  if (users++ === 0) installed = install()
  let released = false
  return () => {
    if (released) return
    released = true
    if (--users === 0 && installed) {
      installed.restore()
      installed = undefined
    }
  }
}

/**
 * Routes `https://<host>` to a loopback origin until the returned function is called; a plain-http request to
 * the host is refused and handed to `onWrongScheme` first.
 */
export function routeHttpsHost(host: string, loopbackOrigin: string, onWrongScheme?: (attempt: WrongSchemeAttempt) => void): () => void {
  routes.set(host, { port: Number(new URL(loopbackOrigin).port), onWrongScheme })
  return () => {
    routes.delete(host)
  }
}
