import pc from 'picocolors'
import { HarnessError } from '../protocol/errors.ts'
import type { ProfileName } from '../mock-as/profile.ts'
import { listenLoopback } from './http/listen.ts'
import { controlApp, serveStatus } from './serve-control.ts'
import { createWorld, type Topology, type World } from './world.ts'

/**
 * The first of serve's five ports by default: 6583–6587. Not 2583, the reference PDS's own default (and the
 * atproto dev environment's 2582–2587), so that serve runs beside a local PDS.
 */
export { DEFAULT_SERVE_PORT } from './serve-port.ts'

/** What each of the five ports serves, in order from the first. */
const PORT_ROLES = ['authorization server', 'PDS', 'identity', 'client host', 'control API'] as const

export interface ServeOptions {
  profile: ProfileName
  topology: Topology
  /** AS, PDS, identity, client host and control API take this port and the next four; 0 gives each a free port. */
  basePort: number
  /**
   * The address every server binds: 127.0.0.1 (with [::1]) unless `--host` says otherwise. Only the container
   * uses `--host 0.0.0.0`, and docker-compose publishes its ports to the host's 127.0.0.1 alone: the mocks take
   * any client, hand out tokens for test accounts, and the control API has no authentication.
   */
  host?: string
}

/** A running `serve` stack. */
export interface ServedWorld {
  world: World
  /** Origin of the control API and status page. */
  controlUrl: string
  close(): Promise<void>
}

/** A port that is taken, said with the flag that fixes it (the raw EADDRINUSE names neither). */
function portInUse(err: unknown, basePort: number): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number }
  if (e?.code !== 'EADDRINUSE') return err
  const role = e.port !== undefined && e.port >= basePort ? PORT_ROLES[e.port - basePort] : undefined
  const taken = e.port !== undefined ? `port ${e.port}${role ? ` (the ${role})` : ''}` : `one of the ports ${basePort}–${basePort + 4}`
  return new HarnessError(
    'ERR_CONFIG',
    `${taken} is already in use: serve takes --port and the next four (${basePort}–${basePort + 4}); ` +
      'give another first port with --port <n>, or --port 0 to take five free ones (printed at start)',
    { cause: err },
  )
}

/** Starts one World on fixed ports (or free ones, with port 0) plus its control API (faults, clock and exchanges at runtime). */
export async function startServe(options: ServeOptions): Promise<ServedWorld> {
  const p = options.basePort
  // Port 0: every server takes a free port of its own, and the banner says which (no race with a port search).
  const ports = p === 0 ? undefined : { as: p, pds: p + 1, identity: p + 2, clientHost: p + 3 }
  const world = await createWorld({
    profile: options.profile,
    topology: options.topology,
    ports,
    bindHost: options.host,
    loopbackOnly: true,
    // serve's clients are other processes: the boundary of in-process clients has nothing to guard here.
    networkGuard: false,
  }).catch((err: unknown) => {
    throw portInUse(err, p)
  })
  let controlUrl = ''
  try {
    const control = await listenLoopback(controlApp(world, () => controlUrl), p === 0 ? 0 : p + 4, options.host).catch((err: unknown) => {
      throw portInUse(err, p)
    })
    controlUrl = control.origin
    return {
      world,
      controlUrl,
      async close() {
        await control.close()
        await world.close()
      },
    }
  } catch (err) {
    await world.close()
    throw err
  }
}

/**
 * `serve`: one World on fixed ports for manual testing and docker-compose, printing its URLs and test accounts,
 * until SIGINT/SIGTERM.
 */
export async function serveWorld(options: ServeOptions): Promise<void> {
  const served = await startServe(options)
  const s = serveStatus(served.world, served.controlUrl)
  const lines = [
    pc.bold(`atproto-oauth-conformance serve — profile ${s.profile}, topology ${s.topology}`),
    `  authorization server  ${s.urls.issuer}`,
    `  PDS                   ${s.urls.pds}`,
    `  handle resolver, PLC  ${s.urls.identity}`,
    `  client host           ${s.urls.clientHost} (https://client.world.internal for the AS)`,
    `  control API, status   ${s.urls.control}/  (PUT /control/faults, POST /control/clock/advance, GET /control/exchanges)`,
    ...(options.host && options.host !== '127.0.0.1' ? [pc.yellow(`  listening on ${options.host}: publish these ports to loopback only`)] : []),
    '  accounts:',
    ...s.accounts.map((a) => `    ${a.handle}  ${a.did}  password ${a.password}`),
    pc.dim('Ctrl-C to stop.'),
  ]
  console.log(lines.join('\n'))
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await served.close()
  console.log(`served ${served.world.transcript.exchanges().length} requests; stopped`)
}
