import { exitWithParent } from '../lib/child.ts'
import { emit } from '../lib/stats.ts'
import { closeFuzzContext, createFuzzContext, FUZZ_ENDPOINTS, fuzzEndpoint, stillServing } from '../../test/fuzz/endpoints.ts'
import type { WorldOptions } from '../../harness/world.ts'

/**
 * The long fuzz run: `SOAK_FUZZ_RUNS` generated requests (10 000 by default) against every endpoint of the
 * mocks, one fresh World per endpoint (so each transcript stays bounded), then a health check of that World.
 */
exitWithParent()

const RUNS = Number(process.env.SOAK_FUZZ_RUNS ?? 10_000)
const variant = process.argv[2] ?? 'reference'
const options: WorldOptions = variant === 'strict' ? { profile: 'strict', topology: 'self-hosted' } : {}
const runs = variant === 'strict' ? Math.ceil(RUNS / 5) : RUNS

const endpoints: { id: string; requests: number; ms: number; failure?: string; afterwards: string[] }[] = []
for (const ep of FUZZ_ENDPOINTS) {
  const ctx = await createFuzzContext(options)
  const t = performance.now()
  let failure: string | undefined
  try {
    await fuzzEndpoint(ctx, ep, runs)
  } catch (err) {
    failure = (err as Error).message
  }
  const ms = performance.now() - t
  const afterwards = await stillServing(ctx.world)
  await closeFuzzContext(ctx)
  endpoints.push({ id: ep.id, requests: runs, ms, failure, afterwards })
  process.stdout.write(`fuzz ${variant}: ${ep.id}: ${runs} requests in ${(ms / 1000).toFixed(1)} s${failure ? ` FAILED: ${failure.split('\n')[0]}` : ''}\n`)
}
emit({ variant, runsPerEndpoint: runs, endpoints })
