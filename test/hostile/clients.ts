import { connect } from 'node:net'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { ClientRejected, type Driver, type DriverContext } from '../../harness/drivers/types.ts'
import { RawHttpClient } from '../helpers/raw-http.ts'

/**
 * Hostile in-process clients: each misbehaves in one way a real client (or a broken adapter) can, so the tests
 * can show the harness survives it: the scenario gets an ERROR or FAIL verdict with a clear message, the World
 * is torn down, and the run goes on. They start like the official client (its PAR gives a real authorization
 * URL, whose origin is the AS) and then turn hostile.
 */

const unsupported = (op: string) => () => Promise.reject(new ClientRejected('Unsupported', `the hostile client does not ${op}`))

function base(): Driver {
  return {
    init: async () => ({ confidential: false, refresh: true, restore: true, signOut: true }),
    authorize: unsupported('authorize'),
    callback: unsupported('handle callbacks'),
    call: unsupported('call the PDS'),
    refresh: unsupported('refresh'),
    restore: unsupported('restore'),
    signOut: unsupported('sign out'),
    dispose: async () => undefined,
  }
}

/** Starts a real login with the official client and returns it with the AS origin of its authorization URL. */
function withOfficialLogin(): { official: Driver; init(ctx: DriverContext): Promise<void>; asOrigin(input: string): Promise<{ url: string; origin: string }> } {
  const official = officialNodeClient()
  return {
    official,
    init: async (ctx) => void (await official.init(ctx)),
    async asOrigin(input) {
      const { authorizationUrl } = await official.authorize(input)
      return { url: authorizationUrl, origin: new URL(authorizationUrl).origin }
    },
  }
}

/** Never answers: `authorize` hangs forever, and so does `dispose` unless `inDispose` is false. */
export function hangingClient(options: { inDispose?: boolean } = {}): Driver {
  const never = () => new Promise<never>(() => {})
  return { ...base(), authorize: never, dispose: options.inDispose === false ? async () => undefined : never }
}

/**
 * Crashes mid-flow: the login starts normally, then at the callback it leaves a half-written token request
 * on an open socket and throws a TypeError, as a client with a bug in its response handling would.
 */
export function crashingClient(): Driver & { openSockets: () => number } {
  const login = withOfficialLogin()
  let origin = ''
  const sockets = new Set<ReturnType<typeof connect>>()
  return {
    ...base(),
    openSockets: () => [...sockets].filter((s) => !s.destroyed).length,
    async init(ctx) {
      await login.init(ctx)
      return { confidential: false, refresh: true, restore: true, signOut: true }
    },
    async authorize(input) {
      const { url, origin: o } = await login.asOrigin(input)
      origin = o
      return { authorizationUrl: url }
    },
    async callback() {
      const { hostname, port } = new URL(origin)
      const socket = connect({ host: hostname, port: Number(port) })
      sockets.add(socket)
      socket.on('error', () => undefined)
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      socket.write(`POST /oauth/token HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\ngrant_type=auth`)
      const response = undefined as unknown as { access_token: string }
      return { sub: response.access_token }
    },
    dispose: () => login.official.dispose(),
  }
}

/** What the flooding client saw. */
export interface FloodStats {
  sent: number
  statuses: Record<string, number>
}

/**
 * Floods the World: after starting a login it sends `requests` raw requests over `parallel` connections, half to
 * the AS's PAR endpoint (no proof, empty form) and half to the handle resolver, then hands back the
 * authorization URL as if nothing happened.
 */
export function floodingClient(options: { requests?: number; parallel?: number } = {}): Driver & { stats: FloodStats } {
  const requests = options.requests ?? 3000
  const parallel = options.parallel ?? 32
  const login = withOfficialLogin()
  const stats: FloodStats = { sent: 0, statuses: {} }
  let ctx: DriverContext
  return {
    ...base(),
    stats,
    async init(c) {
      ctx = c
      await login.init(c)
      return { confidential: false, refresh: true, restore: true, signOut: true }
    },
    async authorize(input) {
      const { url, origin } = await login.asOrigin(input)
      const targets = [
        { client: () => new RawHttpClient(origin), req: { method: 'POST', target: '/oauth/par', headers: [['Content-Type', 'application/x-www-form-urlencoded']] as [string, string][], body: '' } },
        { client: () => new RawHttpClient(ctx.handleResolver), req: { method: 'GET', target: '/xrpc/com.atproto.identity.resolveHandle?handle=alice.test', headers: [] as [string, string][] } },
      ]
      await Promise.all(
        Array.from({ length: parallel }, async (_, lane) => {
          const target = targets[lane % targets.length]!
          const client = target.client()
          try {
            while (stats.sent < requests) {
              stats.sent++
              const outcome = await client.send(target.req)
              const key = outcome.kind === 'response' ? String(outcome.response.status) : outcome.kind
              stats.statuses[key] = (stats.statuses[key] ?? 0) + 1
            }
          } finally {
            client.close()
          }
        }),
      )
      return { authorizationUrl: url }
    },
    dispose: () => login.official.dispose(),
  }
}

/** What the big-body client saw. */
export interface UploadStats {
  status?: number
  body?: string
  /** Bytes written when the answer arrived (or the server closed the connection). */
  writtenAtAnswer?: number
  closedEarly: boolean
}

/**
 * Sends a 50 MB body to the AS's PAR endpoint (with its Content-Length, in 64 KiB chunks, respecting back
 * pressure), and reports the answer as a refusal of the login.
 */
export function bigBodyClient(options: { bytes?: number } = {}): Driver & { upload: UploadStats } {
  const total = options.bytes ?? 50 * 1024 * 1024
  const login = withOfficialLogin()
  const upload: UploadStats = { closedEarly: false }
  return {
    ...base(),
    upload,
    async init(ctx) {
      await login.init(ctx)
      return { confidential: false, refresh: true, restore: true, signOut: true }
    },
    async authorize(input) {
      const { origin } = await login.asOrigin(input)
      const { hostname, port } = new URL(origin)
      const socket = connect({ host: hostname, port: Number(port) })
      let written = 0
      let received = Buffer.alloc(0)
      const answered = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          upload.writtenAtAnswer ??= written
          received = Buffer.concat([received, chunk])
        })
        socket.on('close', () => resolve())
        socket.on('error', () => undefined)
      })
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      socket.write(`POST /oauth/par HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${total}\r\n\r\n`)
      const chunk = Buffer.alloc(64 * 1024, 'a')
      while (written < total && !socket.destroyed && upload.writtenAtAnswer === undefined) {
        const n = Math.min(chunk.length, total - written)
        written += n
        if (!socket.write(chunk.subarray(0, n))) {
          await new Promise<void>((resolve) => {
            socket.once('drain', resolve)
            socket.once('close', resolve)
          })
        }
      }
      upload.closedEarly = written < total
      upload.writtenAtAnswer ??= written
      if (!socket.destroyed) socket.end()
      await answered
      const text = received.toString('utf8')
      upload.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
      upload.body = text.slice(text.indexOf('\r\n\r\n') + 4)
      throw new ClientRejected(`HTTP_${upload.status}`, `the authorization server answered ${upload.status} to a ${total}-byte PAR body: ${upload.body}`)
    },
    dispose: () => login.official.dispose(),
  }
}

/**
 * Follows redirects forever with its own fetch (redirect: 'manual', no hop limit): resolving the account's PDS
 * and then its protected-resource metadata, which the scenario's fault turns into a redirect to itself.
 */
export function redirectLoopClient(): Driver & { hops: () => number } {
  let ctx: DriverContext
  let hops = 0
  return {
    ...base(),
    hops: () => hops,
    async init(c) {
      ctx = c
      return { confidential: false, refresh: true, restore: true, signOut: true }
    },
    async authorize(handle) {
      const resolved = await fetch(`${ctx.handleResolver}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`)
      const { did } = (await resolved.json()) as { did: string }
      const doc = (await (await fetch(`${ctx.plcDirectoryUrl}/${encodeURIComponent(did)}`)).json()) as { service: { id: string; serviceEndpoint: string }[] }
      const pds = doc.service.find((s) => s.id === '#atproto_pds')!.serviceEndpoint
      let url = `${pds}/.well-known/oauth-protected-resource`
      for (;;) {
        const res = await fetch(url, { redirect: 'manual' })
        await res.arrayBuffer()
        const location = res.headers.get('location')
        if (res.status < 300 || res.status >= 400 || !location) throw new ClientRejected('NoAuthorizationServer', `the PDS metadata answered ${res.status}`)
        hops++
        url = new URL(location, url).href
      }
    },
  }
}
