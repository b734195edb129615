import { officialNodeClient } from '../examples/clients/official-node/adapter.ts'
import { runScenario } from '../harness/runner.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { exitWithParent } from './lib/child.ts'
import { emit } from './lib/stats.ts'

/**
 * Memory after many consecutive scenarios (the catalog in a loop, official client, results dropped as a
 * streaming consumer would): RSS and heap after a full GC at checkpoints. Growth between 100 and 1000
 * scenarios beyond noise would be a leak in the harness. Run with --expose-gc.
 */
exitWithParent()

const TOTAL = Number(process.env.BENCH_MEMORY_SCENARIOS ?? 1000)
const CHECKPOINTS = [100, 250, 500, 750, TOTAL]
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

function snapshot(done: number) {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return { scenarios: done, rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20, externalMb: m.external / 2 ** 20, arrayBuffersMb: m.arrayBuffers / 2 ** 20 }
}

const points = []
const verdicts: Record<string, number> = {}
const t = performance.now()
for (let i = 1; i <= TOTAL; i++) {
  const scenario = SCENARIOS[(i - 1) % SCENARIOS.length]!
  const result = await runScenario(scenario, { scenarios: [], driver: () => officialNodeClient(), clientName: 'official' })
  verdicts[result.verdict] = (verdicts[result.verdict] ?? 0) + 1
  if (CHECKPOINTS.includes(i)) points.push(snapshot(i))
}
const first = points[0]!
const last = points[points.length - 1]!
emit({
  scenarios: TOTAL,
  wallMs: performance.now() - t,
  verdicts,
  checkpoints: points,
  growthFrom100: { rssMb: last.rssMb - first.rssMb, heapUsedMb: last.heapUsedMb - first.heapUsedMb },
})
