import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { runSection } from './lib/child.ts'

/**
 * `npm run soak`: the long runs `npm test` only samples.
 * - Fuzzing: 10 000 generated requests per mock endpoint (reference profile, entryway), and a fifth of that
 *   against the strict profile, self-hosted; never a 5xx, a hang or a malformed error, and the World keeps serving.
 * - Determinism: the full suite 100 times at concurrency 1 (two processes of 50 runs) and 5 times at
 *   concurrency 4, against the official client: every scenario's verdict and every check's status identical.
 * - Hostile clients: the ones test/hostile/ runs once (hanging, crashing, flooding, a 50 MB body, a redirect
 *   loop, process clients that hang or crash), SOAK_HOSTILE_ROUNDS rounds (default 20): the same verdict every
 *   time, nothing of the World left open, no client process or helper left running.
 * Exits 1 on any failure. Results in bench/soak-results.json.
 */

interface FuzzResult {
  variant: string
  runsPerEndpoint: number
  endpoints: { id: string; requests: number; ms: number; failure?: string; afterwards: string[] }[]
}
interface HostileResult {
  rounds: number
  clients: string[]
  seconds: number
  heapMB: { before: number; after: number }
  problems: string[]
}
interface LoopResult {
  concurrency: number
  runs: string[][]
}

const SUITE_RUNS = Number(process.env.SOAK_SUITE_RUNS ?? 100)
const HOSTILE_ROUNDS = Number(process.env.SOAK_HOSTILE_ROUNDS ?? 20)
const started = performance.now()
const echo = (line: string) => console.log(line)
const [reference, strict, loopA, loopB, parallel, hostile] = await Promise.all([
  runSection<FuzzResult>('bench/soak/fuzz.ts', ['reference'], [], echo),
  runSection<FuzzResult>('bench/soak/fuzz.ts', ['strict'], [], echo),
  runSection<LoopResult>('bench/soak/suite-loop.ts', [String(Math.ceil(SUITE_RUNS / 2)), '1'], [], echo),
  runSection<LoopResult>('bench/soak/suite-loop.ts', [String(Math.floor(SUITE_RUNS / 2)), '1'], [], echo),
  runSection<LoopResult>('bench/soak/suite-loop.ts', ['5', '4'], [], echo),
  runSection<HostileResult>('bench/soak/hostile.ts', [String(HOSTILE_ROUNDS)], ['--expose-gc'], echo),
])

const problems: string[] = []
for (const fuzz of [reference, strict]) {
  for (const e of fuzz.endpoints) {
    if (e.failure) problems.push(`fuzz ${fuzz.variant} ${e.id}: ${e.failure}`)
    for (const p of e.afterwards) problems.push(`fuzz ${fuzz.variant} ${e.id}, afterwards: ${p}`)
  }
}
const sequential = [...loopA.runs, ...loopB.runs]
const baseline = sequential[0]!
const differ = (runs: string[][], label: string) => {
  runs.forEach((run, i) => {
    run.forEach((line, j) => {
      if (line !== baseline[j]) problems.push(`${label} run ${i + 1}: ${line} (first sequential run: ${baseline[j]})`)
    })
    if (run.length !== baseline.length) problems.push(`${label} run ${i + 1}: ${run.length} scenarios, not ${baseline.length}`)
  })
}
differ(sequential, 'concurrency 1')
differ(parallel.runs, 'concurrency 4')
for (const p of hostile.problems) problems.push(`hostile: ${p}`)

const fuzzRequests = [reference, strict].reduce((n, f) => n + f.endpoints.reduce((m, e) => m + e.requests, 0), 0)
const verdicts: Record<string, number> = {}
for (const line of baseline) {
  const v = line.split(' ')[1]!
  verdicts[v] = (verdicts[v] ?? 0) + 1
}
const summary = {
  minutes: (performance.now() - started) / 60_000,
  loadavg: loadavg(),
  fuzz: {
    endpoints: reference.endpoints.length,
    requestsPerEndpoint: { reference: reference.runsPerEndpoint, strictSelfHosted: strict.runsPerEndpoint },
    totalRequests: fuzzRequests,
    slowestEndpoint: [...reference.endpoints].sort((a, b) => b.ms - a.ms)[0],
  },
  determinism: {
    suiteRuns: { concurrency1: sequential.length, concurrency4: parallel.runs.length },
    scenarios: baseline.length,
    checksPerRun: baseline.reduce((n, l) => n + (l.match(/=/g)?.length ?? 0), 0),
    verdicts,
  },
  hostile: { rounds: hostile.rounds, clients: hostile.clients, seconds: hostile.seconds, heapMB: hostile.heapMB },
  problems,
}
await writeFile(new URL('./soak-results.json', import.meta.url), `${JSON.stringify({ ...summary, fuzzDetails: [reference, strict] }, null, 2)}\n`)
console.log(JSON.stringify(summary, null, 2))
console.log(problems.length === 0 ? 'soak: PASS' : `soak: FAIL (${problems.length} problem(s))`)
process.exitCode = problems.length === 0 ? 0 : 1
