import { writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import Table from 'cli-table3'
import { runSection } from './lib/child.ts'
import type { Summary } from './lib/stats.ts'

/**
 * `npm run bench`: each section runs in its own process (so one section's Worlds, JIT state or network boundary
 * never weigh on another's numbers), then the figures are printed as a table, judged against the targets and
 * written to bench/results.json. Nothing here asserts: a bench measures.
 */

interface SuiteResult {
  scenarios: number
  cli: { sequential: { wallMs: Summary; runMs: Summary; verdicts: Record<string, number> }; concurrency2: { wallMs: Summary; runMs: Summary } }
  perScenario: { wallMs: Summary; harnessOverheadMs: Summary; clientMs: Summary }
  worldCreateDisposeMs: Summary
}
interface ColdResult {
  serveCli: { firstAnswerMs: Summary; readyLineMs: Summary }
  serveBuiltCli?: { firstAnswerMs: Summary; readyLineMs: Summary }
  createWorldScript: { firstAnswerMs: Summary; readyLineMs: Summary; breakdown: { loaderMs: Summary; importsMs: Summary; createWorldMs: Summary } }
  bundledWorldScript?: { firstAnswerMs: Summary; readyAtMs: Summary }
  floors: { nodeMs: Summary; nodeWithTsxMs: Summary }
}
interface ServerFigures {
  flowsPerS: Summary
  serverCpuMsPerFlow: Summary
  serverFlowsPerSPerCore: number
  clientCpuMsPerFlow: Summary
  requestsPerFlow: number
  serverRssMb: Summary
}
interface ThroughputResult {
  config: Record<string, number | boolean>
  mock: ServerFigures
  oidcProvider: ServerFigures
  ratio: { wall: number; serverCpu: number }
  es256Floor: { signUs: number; verifyUs: number; importJwkUs: number; perFlowUs: number; flowsPerSPerCore: number }
}
interface MemoryResult {
  scenarios: number
  wallMs: number
  verdicts: Record<string, number>
  checkpoints: { scenarios: number; rssMb: number; heapUsedMb: number; externalMb: number; arrayBuffersMb: number }[]
  growthFrom100: { rssMb: number; heapUsedMb: number }
}

const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)
const section = async <T>(name: string, script: string, flags: string[] = []): Promise<T | undefined> => {
  if (!want(name)) return undefined
  process.stdout.write(`bench: ${name}…\n`)
  const t = performance.now()
  const result = await runSection<T>(script, [], flags, (line) => process.stdout.write(`  ${line}\n`))
  process.stdout.write(`bench: ${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
  return result
}

const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memGb: totalmem() / 2 ** 30, loadavgBefore: loadavg() }
const started = new Date().toISOString()
const cold = await section<ColdResult>('cold-start', 'bench/cold-start.ts')
const suite = await section<SuiteResult>('suite', 'bench/suite.ts')
const throughput = await section<ThroughputResult>('throughput', 'bench/throughput.ts')
const memory = await section<MemoryResult>('memory', 'bench/memory.ts', ['--expose-gc'])

const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits))
const s = (x: Summary | undefined, unit = 'ms', digits = 1) => (x ? `${f(x.median, digits)} ${unit} (p95 ${f(x.p95, digits)})` : '–')

/** Each target: the measured figure, whether it holds, and what limits it when it does not. */
const targets: { target: string; measured: string; holds: boolean | undefined; note: string }[] = []
if (suite) {
  const seq = suite.cli.sequential.wallMs.median
  const par = suite.cli.concurrency2.wallMs.median
  targets.push({
    target: 'full suite ≤ 10 s (2 cores)',
    measured: `${f(seq / 1000, 2)} s sequential, ${f(par / 1000, 2)} s --concurrency 2 (${suite.scenarios} scenarios, CLI process wall time)`,
    holds: Math.max(seq, par) <= 10_000,
    note: `in-process run ${f(suite.cli.sequential.runMs.median / 1000, 2)} s; the rest is process start and writing 4 reports`,
  })
  targets.push({
    target: 'World create + dispose ≤ 20 ms',
    measured: s(suite.worldCreateDisposeMs, 'ms', 2),
    holds: suite.worldCreateDisposeMs.median <= 20,
    note: '4 servers (AS, PDS, identity, client host) on 127.0.0.1 and ::1',
  })
}
if (cold) {
  // The package's serve: the built JavaScript (from the sources through tsx only where it could not be built).
  const serve = (cold.serveBuiltCli ?? cold.serveCli).firstAnswerMs.median
  targets.push({
    target: 'mock stack cold start ≤ 300 ms',
    measured: `serve CLI, built package ${f(cold.serveBuiltCli?.firstAnswerMs.median, 0)} ms, from the sources through tsx ${f(cold.serveCli.firstAnswerMs.median, 0)} ms, World-only script ${f(cold.createWorldScript.firstAnswerMs.median, 0)} ms, the same bundled and run by plain node ${f(cold.bundledWorldScript?.firstAnswerMs.median, 0)} ms (process start → first answer)`,
    holds: serve <= 300,
    note: `in the World-only process: ${f(cold.createWorldScript.breakdown.loaderMs.median, 0)} ms to start node and the tsx loader, ${f(cold.createWorldScript.breakdown.importsMs.median, 0)} ms to load and transpile the modules (harness, express, undici), ${f(cold.createWorldScript.breakdown.createWorldMs.median, 0)} ms to start the World; floors: node ${f(cold.floors.nodeMs.median, 0)} ms, node + tsx ${f(cold.floors.nodeWithTsxMs.median, 0)} ms`,
  })
}
if (throughput) {
  targets.push({
    target: 'mock AS throughput ≥ 1.5× oidc-provider',
    measured: `${f(throughput.ratio.wall, 2)}× by wall-clock flows/s, ${f(throughput.ratio.serverCpu, 2)}× by server CPU per flow`,
    holds: Math.min(throughput.ratio.wall, throughput.ratio.serverCpu) >= 1.5,
    note: `ES256 floor ${f(throughput.es256Floor.perFlowUs / 1000, 2)} ms/flow; mock ${f(throughput.mock.serverCpuMsPerFlow.median, 2)} ms CPU/flow, oidc-provider ${f(throughput.oidcProvider.serverCpuMsPerFlow.median, 2)} ms`,
  })
}
if (memory) {
  const first = memory.checkpoints[0]!
  targets.push({
    target: 'memory: no growth 100 → 1000 scenarios',
    measured: `heap ${f(first.heapUsedMb)} → ${f(memory.checkpoints.at(-1)!.heapUsedMb)} MB, RSS ${f(first.rssMb)} → ${f(memory.checkpoints.at(-1)!.rssMb)} MB`,
    // Noise: a heap that moves less than 5 MB after a full GC is flat for a process of this size.
    holds: memory.growthFrom100.heapUsedMb < 5,
    note: 'after a full GC at each checkpoint',
  })
}

const table = new Table({ head: ['measure', 'value'], style: { head: [] } })
if (suite) {
  table.push(
    ['full suite, CLI, sequential', s(suite.cli.sequential.wallMs)],
    ['full suite, CLI, --concurrency 2', s(suite.cli.concurrency2.wallMs)],
    ['per scenario, wall', s(suite.perScenario.wallMs)],
    ['per scenario, harness overhead', s(suite.perScenario.harnessOverheadMs)],
    ['per scenario, inside the client', s(suite.perScenario.clientMs)],
    ['World create + dispose', s(suite.worldCreateDisposeMs, 'ms', 2)],
  )
}
if (cold) {
  table.push(
    ['cold start, serve CLI (built package) → first answer', s(cold.serveBuiltCli?.firstAnswerMs, 'ms', 0)],
    ['cold start, serve CLI from the sources (tsx) → first answer', s(cold.serveCli.firstAnswerMs, 'ms', 0)],
    ['cold start, World script → first answer', s(cold.createWorldScript.firstAnswerMs, 'ms', 0)],
    ['cold start, same script bundled (esbuild), plain node', s(cold.bundledWorldScript?.firstAnswerMs, 'ms', 0)],
    ['floor: node / node + tsx', `${f(cold.floors.nodeMs.median, 0)} / ${f(cold.floors.nodeWithTsxMs.median, 0)} ms`],
    [
      'World script: loader, imports, createWorld',
      `${f(cold.createWorldScript.breakdown.loaderMs.median, 0)} + ${f(cold.createWorldScript.breakdown.importsMs.median, 0)} + ${f(cold.createWorldScript.breakdown.createWorldMs.median, 0)} ms`,
    ],
  )
}
if (throughput) {
  const row = (name: string, x: ServerFigures) => [
    `${name} login flows`,
    `${f(x.flowsPerS.median, 0)} flows/s wall; ${f(x.serverCpuMsPerFlow.median, 2)} ms server CPU/flow (${f(x.serverFlowsPerSPerCore, 0)} flows/s per core); client ${f(x.clientCpuMsPerFlow.median, 2)} ms CPU/flow; ${f(x.requestsPerFlow, 1)} requests/flow`,
  ]
  table.push(
    row('mock AS', throughput.mock),
    row('oidc-provider', throughput.oidcProvider),
    ['ratio mock / oidc-provider', `${f(throughput.ratio.wall, 2)}× wall, ${f(throughput.ratio.serverCpu, 2)}× server CPU`],
    [
      'ES256 floor per flow',
      `${f(throughput.es256Floor.perFlowUs, 0)} µs (2 × sign ${f(throughput.es256Floor.signUs, 0)} + 2 × (verify ${f(throughput.es256Floor.verifyUs, 0)} + JWK import ${f(throughput.es256Floor.importJwkUs, 0)}))`,
    ],
  )
}
if (memory) {
  for (const p of memory.checkpoints) table.push([`memory after ${p.scenarios} scenarios`, `RSS ${f(p.rssMb)} MB, heap ${f(p.heapUsedMb)} MB`])
}
console.log(table.toString())
for (const t of targets) console.log(`${t.holds ? 'HOLDS' : 'MISSED'}  ${t.target}: ${t.measured} — ${t.note}`)

const results = {
  startedAt: started,
  machine: { ...machine, loadavgAfter: loadavg() },
  targets,
  coldStart: cold,
  suite,
  throughput,
  memory,
}
await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log('results written to bench/results.json')
