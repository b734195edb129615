import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { randomBytes } from 'node:crypto'
import { AccessTokenSigner } from '../mock-as/access-token.ts'
import { AuthServer } from '../mock-as/auth-server.ts'
import type { FaultPlan } from '../mock-as/faults.ts'
import { PROFILES, type Profile, type ProfileName } from '../mock-as/profile.ts'
import { loopbackWebDid, randomPlcDid, type Account } from '../mock-pds/identity/accounts.ts'
import { identityRouter } from '../mock-pds/identity/identity-server.ts'
import { PdsServer } from '../mock-pds/pds-server.ts'
import { NonceManager, ReplayStore } from '../protocol/nonce.ts'
import { manualClock, realClock as wallClock, shiftedClock, type Clock, type ShiftedClock } from '../model/clock.ts'
import { ResponseHolds } from '../mock-as/holds.ts'
import { readBody } from '../model/body.ts'
import { listenLoopback, type ConnectionCap, type LoopbackServer } from './http/listen.ts'
import { loopbackOnly } from './http/loopback-guard.ts'
import { recordExchanges, recordRefused } from './http/record.ts'
import { enforceBudget, type RequestBudget } from './http/budget.ts'
import { releaseFetchPools } from './http/fetch-pools.ts'
import { Transcript, type ServerName } from '../model/transcript.ts'
import type { Topology } from '../model/requirement.ts'
import { sendExpressNotFound } from '../mock-as/http/not-found.ts'
import { basicRoutes } from '../mock-pds/basic-routes.ts'

/** The PDS's banner, robots.txt and health check: stateless, so one router serves every World. */
const PDS_BASIC_ROUTES = basicRoutes()

export type { Topology } from '../model/requirement.ts'

export interface WorldOptions {
  profile?: ProfileName
  topology?: Topology
  faults?: FaultPlan
  /** The World clock (token expiry, nonce rotation, code lifetime); a manual clock on a minute boundary by default. */
  clock?: Clock
  /** The clock DPoP `iat` and client assertions are judged against. */
  realClock?: Clock
  /**
   * Present the World under https host names (`https://entryway.<id>.test`, `https://pds.<id>.test`,
   * `https://identity.<id>.test`) routed in-process to loopback, for in-process clients in their production configuration.
   */
  https?: boolean
  /** Fixed ports (for `serve`); ephemeral when omitted. */
  ports?: { identity: number; as: number; pds: number; clientHost: number }
  /** The address the servers bind (`serve --host 0.0.0.0` in a container); loopback when omitted. */
  bindHost?: string
  /** Requests the World serves (all servers together) before it answers 429 to a flooding client; unlimited by default. */
  maxRequests?: number
  /** Connections open at once (all servers together) before a new one is answered 503; MAX_CONNECTIONS by default. */
  maxConnections?: number
  /** Answer only loopback Host headers and refuse foreign Origins (`serve`, against DNS rebinding). */
  loopbackOnly?: boolean
  /**
   * Hold up the network boundary of in-process clients while the World is open (harness/https-hosts.ts): true
   * by default; `serve`, whose clients are other processes, turns it off and so never loads undici. An https
   * World always holds it (its host names are routed through it).
   */
  networkGuard?: boolean
  /**
   * How long the AS keeps a client's metadata document and JWKS (ms of the World clock; 0: fetched at every
   * request). The profile's lifetime when omitted: 10 min, as the reference (META-18).
   */
  clientMetadataCacheTtlMs?: number
}

/** Connections one World keeps open at once: far above any client (a browser opens six per origin), far below the fd limit. */
export const MAX_CONNECTIONS = 256

/** A document the client host serves (client metadata, JWKS), under `https://client.world.internal/<path>`. */
export interface HostedDocument {
  status?: number
  contentType?: string
  body: unknown
}

/** Public host name of the client's own web origin inside a World (client metadata, JWKS, redirect URIs). */
export const CLIENT_HOST = 'client.world.internal'

/**
 * Host name of a native app's client_id inside a World. Not under a local-use TLD (.test, .example…): the
 * reference client refuses a custom scheme named after such a host. home.arpa (RFC 8375) never resolves publicly.
 */
export const NATIVE_CLIENT_HOST = 'client.conformance.home.arpa'

/** One fresh mock AS + PDS + identity on ephemeral loopback ports, with its fault plan, clock and transcript. */
export interface World {
  readonly id: string
  readonly profile: Profile
  readonly topology: Topology
  /** Whether the public URLs are https host names routed in-process to loopback. */
  readonly https: boolean
  readonly faults: FaultPlan
  readonly clock: Clock
  /**
   * The real time as the World sees it: DPoP `iat`, client assertions and the `Date` header. The wall clock
   * unless a step moved time for the client too (`advanceClock` with `client: 'with'`).
   */
  readonly realClock: ShiftedClock
  /** The client's own clock (wall clock plus an offset the steps move); drivers hand it to the client. */
  readonly clientClock: ShiftedClock
  /** Responses held until a `release` step (fault `holdResponse`). */
  readonly holds: ResponseHolds
  readonly transcript: Transcript
  readonly urls: {
    /** AS issuer (origin). */
    issuer: string
    /** PDS origin. */
    pds: string
    /** XRPC handle resolver + PLC directory + did:web host. */
    identity: string
    plcDirectory: string
    /** Loopback origin of `https://client.world.internal`. */
    clientHost: string
  }
  /** alice (did:plc) and bob (did:web) on this World's PDS; carol on a foreign PDS whose AS is elsewhere. */
  readonly accounts: { plc: Account; web: Account; foreign: Account }
  readonly as: AuthServer
  readonly pds: PdsServer
  /**
   * Replaces seams of the fault plan from now on (the mocks read it at request time). Nonce rotation and
   * nonces being disabled are fixed when the World starts.
   */
  setFaults(plan: FaultPlan): void
  /** Serves a document at `https://client.world.internal<path>` (e.g. a confidential client's metadata). */
  host(path: string, doc: HostedDocument): string
  /** The documents the client host serves now, by path. */
  hosted(): ReadonlyMap<string, HostedDocument>
  /** Unexpected exceptions inside the mocks: any makes the scenario ERROR (a harness bug). */
  readonly harnessFaults: { error: unknown; where: string }[]
  /** Requests served and refused against `maxRequests`. */
  readonly requestBudget: Readonly<RequestBudget>
  /** Connections open now and refused against `maxConnections`. */
  readonly connections: Readonly<ConnectionCap>
  close(): Promise<void>
}

let worldCounter = 0

/**
 * Scenarios are static data written before any World exists, so their fault plans name the World's values
 * symbolically: `$plc`, `$web` and `$foreign` (the accounts' DIDs), `$issuer`, `$pds`, `$identity` (origins), `$issuerHttp` (the AS's own http loopback origin, also under https host names).
 * Replaced in keys and values.
 */
export function resolveFaultSymbols(plan: Record<string, unknown>, symbols: Record<string, string>): void {
  // `$name` alone, or as the prefix of a URL (`$identity/oauth/token`).
  const swap = (v: string) => v.replace(/^\$[A-Za-z]+(?=\/|$)/, (name) => symbols[name] ?? name)
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return swap(node)
    if (Array.isArray(node)) return node.map(walk)
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>
      for (const key of Object.keys(obj)) {
        const value = walk(obj[key])
        delete obj[key]
        obj[swap(key)] = value
      }
    }
    return node
  }
  walk(plan)
}

function baseApp(): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')
  return app
}

/**
 * The 404 for a path no route takes (Express's HTML page on the AS and PDS, as the reference PDS answers; a JSON
 * one on the identity and client hosts, which are not a PDS), and an error handler that never lets express answer
 * with its HTML 500 page.
 */
function finishApp(app: Express, onFault: (err: unknown, where: string) => void, expressPages: boolean): void {
  app.use((req: Request, res: Response) => {
    if (expressPages) return sendExpressNotFound(req, res)
    res.status(404).setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ error: 'not_found', error_description: `Cannot ${req.method} ${req.path}` }))
  })
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).setHeader('Content-Type', 'application/json')
      return void res.end(JSON.stringify({ error: 'invalid_request', error_description: (err as Error).message }))
    }
    onFault(err, `${req.method} ${req.path}`)
    if (res.headersSent) return void res.end()
    res.status(500).setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ error: 'server_error', error_description: 'internal error in the mock server' }))
  })
}

/** Creates and starts a World. Close it when the scenario ends, even when the scenario failed. */
export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const id = `w${++worldCounter}-${randomBytes(3).toString('hex')}`
  const profile = PROFILES[options.profile ?? 'reference']
  const topology = options.topology ?? 'entryway'
  const faults: FaultPlan = structuredClone(options.faults ?? {})
  // Starts on a minute boundary so nonce rotation (60 s, or a divisor of it) happens at the same offsets in every
  // run: a scenario that advances the clock 40 s always crosses the same number of rotations.
  const clock = options.clock ?? manualClock(Math.floor(Date.now() / 60_000) * 60_000)
  const real = shiftedClock(options.realClock ?? wallClock)
  const clientClock = shiftedClock(wallClock)
  const transcript = new Transcript(() => clock.now())
  const ports = options.ports
  const harnessFaults: World['harnessFaults'] = []
  const requestBudget: RequestBudget = { limit: options.maxRequests ?? Infinity, served: 0, refused: 0 }
  const connections: ConnectionCap = { limit: options.maxConnections ?? MAX_CONNECTIONS, open: 0, refused: 0 }
  const onFault = (error: unknown, where: string) => harnessFaults.push({ error, where })

  const accounts: Account[] = []
  const urls = { issuer: '', pds: '', identity: '', plcDirectory: '', clientHost: '' }
  const hosts = new Map<string, string>()
  const hosted = new Map<string, HostedDocument>()
  const nonceOptions = { rotateEveryMs: (faults.dpopNonce?.rotateEverySeconds ?? 60) * 1000 }
  const makeNonces = () => (faults.dpopNonce?.disabled ? undefined : new NonceManager(clock, nonceOptions))
  const asNonces = makeNonces()
  // Self-hosted: one nonce manager for /oauth/* and /xrpc/* (reference §8); entryway: one per origin.
  const pdsNonces = topology === 'self-hosted' ? asNonces : makeNonces()
  const replay = new ReplayStore(clock)
  const tokens = new AccessTokenSigner()
  const holds = new ResponseHolds()
  const pdsServiceDid = () => `did:web:${new URL(urls.pds).host.replace(':', '%3A')}`

  const as = new AuthServer({
    issuer: () => urls.issuer,
    protectedResources: () => [urls.pds],
    pdsServiceDid,
    profile,
    faults,
    clock,
    realClock: real,
    nonces: asNonces,
    replay,
    tokens,
    accounts,
    hosts,
    holds,
    clientMetadataCacheTtlMs: options.clientMetadataCacheTtlMs,
    onHarnessFault: (err, req) => onFault(err, `AS ${req.method} ${req.path}`),
  })
  const pds = new PdsServer({
    origin: () => urls.pds,
    serviceDid: pdsServiceDid,
    issuer: () => urls.issuer,
    profile,
    clock,
    realClock: real,
    nonces: pdsNonces,
    replay,
    tokens,
    authStore: as.store,
    faults,
    accounts,
    onHarnessFault: (err, req) => onFault(err, `PDS ${req.method} ${req.path}`),
  })

  const servers: LoopbackServer[] = []
  // The AS's own http://127.0.0.1 origin, even when the World presents https host names ($issuerHttp).
  let loopbackIssuer = ''
  const boundary = options.networkGuard === false && !options.https ? undefined : await import('./https-hosts.ts')
  const unroute: (() => void)[] = boundary ? [boundary.holdNetworkGuard()] : []
  const start = async (name: ServerName, origin: (req: Request) => string, mount: (app: Express) => void, port = 0) => {
    const app = baseApp()
    // The client host also answers the name the AS fetches documents under.
    if (options.loopbackOnly) app.use(loopbackOnly(name === 'client-host' ? [CLIENT_HOST, NATIVE_CLIENT_HOST] : []))
    // The Date header follows the World's real time, so a client that corrects its clock from it (DPOP-10)
    // lands on the time the World judges proofs against.
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Date', new Date(real.now()).toUTCString())
      next()
    })
    app.use(enforceBudget(requestBudget, name))
    app.use(recordExchanges(transcript, name, origin))
    app.use(
      readBody((res) => {
        res.status(413).setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({ error: 'invalid_request', error_description: 'Request entity too large' }))
      }),
    )
    mount(app)
    finishApp(app, onFault, name === 'as' || name === 'pds')
    const server = await listenLoopback(app, port, options.bindHost, connections)
    servers.push(server)
    return server
  }

  try {
    const identity = await start('identity', () => urls.identity, (app) =>
      app.use(identityRouter({ origin: () => urls.identity, accounts, pdsUrl: () => urls.pds, faults: () => faults.identity })),
      ports?.identity,
    )
    urls.identity = identity.origin
    urls.plcDirectory = identity.origin
    if (topology === 'self-hosted') {
      const both = await start('pds', () => urls.pds, (app) => {
        app.use(as.router())
        app.use(PDS_BASIC_ROUTES)
        app.use(pds.router())
      }, ports?.pds)
      urls.pds = both.origin
      urls.issuer = both.origin
    } else {
      const asServer = await start('as', () => urls.issuer, (app) => app.use(as.router()), ports?.as)
      urls.issuer = asServer.origin
      const pdsServer = await start('pds', () => urls.pds, (app) => app.use(PDS_BASIC_ROUTES, pds.router()), ports?.pds)
      urls.pds = pdsServer.origin
    }
    // The client's origin as the AS named it (client.world.internal, or the native app's host).
    const clientHostName = (req: Request) => (req.headers['x-conformance-host'] === NATIVE_CLIENT_HOST ? NATIVE_CLIENT_HOST : CLIENT_HOST)
    const clientHost = await start('client-host', (req) => `https://${clientHostName(req)}`, (app) =>
      app.use((req, res) => {
        const doc = hosted.get(req.path)
        if (!doc) return void res.status(404).setHeader('Content-Type', 'text/plain').end('not found')
        res.status(doc.status ?? 200).setHeader('Content-Type', doc.contentType ?? 'application/json')
        res.end(typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body))
      }),
      ports?.clientHost,
    )
    urls.clientHost = clientHost.origin
    loopbackIssuer = urls.issuer
    hosts.set(CLIENT_HOST, clientHost.origin)
    hosts.set(NATIVE_CLIENT_HOST, clientHost.origin)
    if (options.https) {
      const publicUrl = (label: 'identity' | 'entryway' | 'pds', loopback: string) => {
        const host = `${label}.${id}.test`
        const server: ServerName = label === 'entryway' ? 'as' : label
        // A plain-http request to an https host never reaches a server; it is recorded with its real URL.
        unroute.push(boundary!.routeHttpsHost(host, loopback, (attempt) => recordRefused(transcript, server, attempt)))
        return `https://${host}`
      }
      urls.identity = publicUrl('identity', urls.identity)
      urls.plcDirectory = urls.identity
      if (topology === 'self-hosted') {
        urls.pds = publicUrl('pds', urls.pds)
        urls.issuer = urls.pds
      } else {
        urls.issuer = publicUrl('entryway', urls.issuer)
        urls.pds = publicUrl('pds', urls.pds)
      }
    }
  } catch (err) {
    for (const f of unroute) f()
    await Promise.all(servers.map((s) => s.close()))
    throw err
  }

  const plc: Account = { handle: 'alice.test', did: randomPlcDid(), password: 'alice-pass', method: 'plc' }
  const web: Account = {
    handle: 'bob.test',
    // did:web resolves over https except for localhost (did:web spec), so each mode gets its own form.
    did: options.https ? `did:web:${new URL(urls.identity).host}` : loopbackWebDid(Number(new URL(urls.identity).port)),
    password: 'bob-pass',
    method: 'web',
  }
  const foreign: Account = { handle: 'carol.test', did: randomPlcDid(), password: 'carol-pass', method: 'plc', foreign: true }
  accounts.push(plc, web, foreign)
  const symbols = {
    $plc: plc.did,
    $web: web.did,
    $foreign: foreign.did,
    $issuer: urls.issuer,
    $issuerHttp: loopbackIssuer,
    $pds: urls.pds,
    $identity: urls.identity,
  }
  resolveFaultSymbols(faults as Record<string, unknown>, symbols)

  let closed = false
  return {
    id,
    profile,
    topology,
    https: !!options.https,
    faults,
    clock,
    realClock: real,
    clientClock,
    holds,
    transcript,
    urls,
    accounts: { plc, web, foreign },
    as,
    pds,
    harnessFaults,
    requestBudget,
    connections,
    setFaults(plan) {
      const copy = structuredClone(plan) as Record<string, unknown>
      resolveFaultSymbols(copy, symbols)
      Object.assign(faults, copy)
    },
    host(path, doc) {
      hosted.set(path, doc)
      return `https://${CLIENT_HOST}${path}`
    },
    hosted: () => hosted,
    async close() {
      if (closed) return
      closed = true
      holds.close()
      for (const f of unroute) f()
      await Promise.all(servers.map((s) => s.close()))
      releaseFetchPools(servers.flatMap((s) => [s.origin, `http://localhost:${s.port}`, `http://[::1]:${s.port}`]))
    },
  }
}
