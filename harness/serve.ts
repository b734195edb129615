import pc from 'picocolors'
import type { ProfileName } from '../mock-as/profile.ts'
import { createWorld, type Topology } from './world.ts'

/**
 * `serve`: one World on fixed loopback ports for manual testing, printing its URLs and test accounts, until
 * SIGINT/SIGTERM. (The control API for switching faults at runtime belongs to the docker-compose stack.)
 */
export async function serveWorld(options: { profile: ProfileName; topology: Topology; basePort: number }): Promise<void> {
  const p = options.basePort
  const world = await createWorld({
    profile: options.profile,
    topology: options.topology,
    ports: { as: p, pds: p + 1, identity: p + 2, clientHost: p + 3 },
  })
  const lines = [
    pc.bold(`atproto-oauth-conformance serve — profile ${world.profile.name}, topology ${world.topology}`),
    `  authorization server  ${world.urls.issuer}`,
    `  PDS                   ${world.urls.pds}`,
    `  handle resolver, PLC  ${world.urls.identity}`,
    `  client host           ${world.urls.clientHost} (https://client.test for the AS)`,
    '  accounts:',
    `    ${world.accounts.plc.handle}  ${world.accounts.plc.did}  password ${world.accounts.plc.password}`,
    `    ${world.accounts.web.handle}  ${world.accounts.web.did}  password ${world.accounts.web.password}`,
    pc.dim('Ctrl-C to stop.'),
  ]
  console.log(lines.join('\n'))
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await world.close()
  console.log(`served ${world.transcript.exchanges().length} requests; stopped`)
}
