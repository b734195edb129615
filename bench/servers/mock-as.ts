import { createWorld } from '../../harness/world.ts'
import { exitWithParent } from '../lib/child.ts'
import { startStatsServer, untilStopped } from './stats-server.ts'

exitWithParent()

// One World (reference profile, entryway) on loopback, serving the throughput bench until stopped.
const world = await createWorld()
const stats = await startStatsServer()
const { plc } = world.accounts
console.log(`READY ${world.urls.issuer} ${stats} ${plc.handle} ${plc.password}`)
untilStopped(() => world.close())
