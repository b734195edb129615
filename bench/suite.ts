import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { officialNodeClient } from '../examples/clients/official-node/adapter.ts'
import type { Driver } from '../harness/drivers/types.ts'
import { runSuite } from '../harness/runner.ts'
import { createWorld } from '../harness/world.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { exitWithParent, startChild } from './lib/child.ts'
import { emit, summarize } from './lib/stats.ts'

/**
 * The full suite against the official client: as a user runs it (the CLI in a fresh process, sequential and
 * `--concurrency 2`), then in process for the per-scenario harness overhead (scenario wall time minus the time
 * spent inside the client's operations), and the cost of one World (create + dispose).
 */
exitWithParent()

const REPS = Number(process.env.BENCH_SUITE_REPS ?? 3)

async function cliRun(concurrency: number): Promise<{ wallMs: number; runMs: number; scenarios: number; verdicts: Record<string, number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'aoc-bench-'))
  try {
    const t = performance.now()
    const child = startChild(['bin/atproto-oauth-conformance.js', 'run', '--report-dir', dir, '--concurrency', String(concurrency)])
    const code = await new Promise<number | null>((resolve) => child.proc.once('exit', (c) => resolve(c)))
    const wallMs = performance.now() - t
    // Exit 1 is the official client's known findings (see its baseline), not a bench failure.
    if (code !== 0 && code !== 1) throw new Error(`the CLI exited ${code}`)
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { durationMs: number; totals: Record<string, number> }
    const { scenarios, ...verdicts } = report.totals
    return { wallMs, runMs: report.durationMs, scenarios: scenarios!, verdicts }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Wraps a driver so the time during which at least one of its operations is running is added to `spent.ms`
 * (the union of the intervals: a scenario's parallel calls are not counted twice).
 */
function timed(driver: Driver, spent: { ms: number }): Driver {
  let running = 0
  let since = 0
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (running++ === 0) since = performance.now()
      try {
        return await fn(...a)
      } finally {
        if (--running === 0) spent.ms += performance.now() - since
      }
    }
  return {
    ...driver,
    init: wrap(driver.init.bind(driver)),
    authorize: wrap(driver.authorize.bind(driver)),
    callback: wrap(driver.callback.bind(driver)),
    call: wrap(driver.call.bind(driver)),
    refresh: wrap(driver.refresh.bind(driver)),
    restore: wrap(driver.restore.bind(driver)),
    signOut: wrap(driver.signOut.bind(driver)),
    dispose: wrap(driver.dispose.bind(driver)),
  }
}

async function perScenario(): Promise<{ wall: number[]; overhead: number[]; client: number[] }> {
  const wall: number[] = []
  const overhead: number[] = []
  const client: number[] = []
  let spent = { ms: 0 }
  let started = 0
  await runSuite({
    scenarios: SCENARIOS,
    clientName: 'official',
    driver: () => timed(officialNodeClient(), spent),
    onScenarioStart: () => {
      spent = { ms: 0 }
      started = performance.now()
    },
    onScenarioEnd: () => {
      const w = performance.now() - started
      wall.push(w)
      client.push(spent.ms)
      overhead.push(w - spent.ms)
    },
  })
  return { wall, overhead, client }
}

async function worldCost(n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    const w = await createWorld()
    await w.close()
    out.push(performance.now() - t)
  }
  return out
}

const sequential = []
const parallel = []
for (let i = 0; i < REPS; i++) {
  sequential.push(await cliRun(1))
  parallel.push(await cliRun(2))
}

await perScenario() // warm-up: JIT, module caches
const samples = { wall: [] as number[], overhead: [] as number[], client: [] as number[] }
for (let i = 0; i < REPS; i++) {
  const r = await perScenario()
  samples.wall.push(...r.wall)
  samples.overhead.push(...r.overhead)
  samples.client.push(...r.client)
}

await worldCost(30)
const world = await worldCost(300)

emit({
  scenarios: SCENARIOS.length,
  cli: {
    sequential: { wallMs: summarize(sequential.map((r) => r.wallMs)), runMs: summarize(sequential.map((r) => r.runMs)), verdicts: sequential[0]!.verdicts },
    concurrency2: { wallMs: summarize(parallel.map((r) => r.wallMs)), runMs: summarize(parallel.map((r) => r.runMs)), verdicts: parallel[0]!.verdicts },
  },
  perScenario: {
    wallMs: summarize(samples.wall),
    harnessOverheadMs: summarize(samples.overhead),
    clientMs: summarize(samples.client),
  },
  worldCreateDisposeMs: summarize(world),
})
