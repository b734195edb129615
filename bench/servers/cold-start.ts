import { exitWithParent } from '../lib/child.ts'

// The mock stack alone: start a World and say where; the bench's first request is the first one served.
// Times since process start: when this module began (node + tsx loader), after the imports, after the World.
exitWithParent()
const scriptStart = performance.now()
const { createWorld } = await import('../../harness/world.ts')
const imported = performance.now()
const world = await createWorld()
const ready = performance.now()
console.log(`READY ${world.urls.issuer} ${scriptStart.toFixed(1)} ${imported.toFixed(1)} ${ready.toFixed(1)}`)
process.once('SIGTERM', () => void world.close().then(() => process.exit(0)))
