import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { processDriver } from '../../harness/drivers/process.ts'
import type { Driver } from '../../harness/drivers/types.ts'
import { runSuite } from '../../harness/runner.ts'
import { defineScenario } from '../../harness/scenario.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { activeResources, leakedSince } from '../../test/helpers/leaks.ts'
import { bigBodyClient, crashingClient, floodingClient, hangingClient, redirectLoopClient } from '../../test/hostile/clients.ts'
import { alive, processTable } from '../../test/support/processes.ts'
import { exitWithParent, ROOT } from '../lib/child.ts'
import { emit } from '../lib/stats.ts'

/**
 * The hostile clients of test/hostile/ (and the process-driver clients of test/drivers/fixtures/ that hang or
 * crash), run for `rounds` rounds instead of once: each round runs every one of them, between good runs of the
 * official client, and checks that every verdict is the one the bounded test expects, that nothing of the World
 * (socket, server, timer) outlives a round, and that no client process or helper outlives its scenario.
 * Emits the problems and the heap before and after.
 */
exitWithParent()

const rounds = Number(process.argv[2] ?? 20)
const login = SCENARIOS.find((s) => s.id === 'login-with-handle')!
const refresh = SCENARIOS.find((s) => s.id === 'refresh-rotation')!
const prmLoop = defineScenario({ ...login, id: 'hostile-prm-redirect-loop', faults: { protectedResource: { redirectTo: '$pds/.well-known/oauth-protected-resource' } } })
const BROKEN = `node ${ROOT}test/drivers/fixtures/broken-client.js`

interface Case {
  name: string
  driver: () => Driver
  scenario: typeof login
  verdict: string
}
const CASES: Case[] = [
  { name: 'official', driver: () => officialNodeClient(), scenario: login, verdict: 'PASS' },
  { name: 'hanging', driver: () => hangingClient(), scenario: login, verdict: 'ERROR' },
  { name: 'crashing', driver: () => crashingClient(), scenario: login, verdict: 'ERROR' },
  { name: 'flooding', driver: () => floodingClient({ requests: 3000, parallel: 32 }), scenario: login, verdict: 'ERROR' },
  { name: 'big-body', driver: () => bigBodyClient(), scenario: login, verdict: 'FAIL' },
  { name: 'redirect-loop', driver: () => redirectLoopClient(), scenario: prmLoop, verdict: 'ERROR' },
  { name: 'official (refresh)', driver: () => officialNodeClient(), scenario: refresh, verdict: 'PASS' },
  { name: 'process: hang', driver: () => processDriver({ command: `${BROKEN} hang` }), scenario: login, verdict: 'ERROR' },
  { name: 'process: crash', driver: () => processDriver({ command: `${BROKEN} crash` }), scenario: login, verdict: 'ERROR' },
]

const problems: string[] = []
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const heapBefore = process.memoryUsage().heapUsed
const started = performance.now()
for (let round = 1; round <= rounds; round++) {
  const before = activeResources()
  for (const c of CASES) {
    const report = await runSuite({ scenarios: [c.scenario], driver: c.driver, clientName: c.name, timeoutMs: 2000 })
    const result = report.scenarios[0]!
    if (result.verdict !== c.verdict) problems.push(`round ${round}, ${c.name}: ${result.verdict}, not ${c.verdict}: ${result.reason ?? result.checks.find((k) => k.status === result.verdict)?.reason ?? ''}`)
    // The broken client prints its pid and its helper's to stderr: both must be gone with the scenario.
    const pids = [...(result.clientLog ?? '').matchAll(/pid (\d+)/g)].map((m) => Number(m[1]))
    const left = processTable().filter((p) => alive(p) && (pids.includes(p.pid) || pids.includes(p.pgid)))
    if (left.length > 0) problems.push(`round ${round}, ${c.name}: processes left: ${left.map((p) => `${p.pid} ${p.command}`).join('; ')}`)
  }
  const leaked = await leakedSince(before)
  if (Object.keys(leaked).length > 0) problems.push(`round ${round}: left open after the round: ${JSON.stringify(leaked)}`)
  process.stdout.write(`hostile: round ${round}/${rounds} (${CASES.length} clients), ${problems.length} problem(s) so far\n`)
}
gc?.()
emit({
  rounds,
  clients: CASES.map((c) => c.name),
  seconds: (performance.now() - started) / 1000,
  heapMB: { before: heapBefore / 2 ** 20, after: process.memoryUsage().heapUsed / 2 ** 20 },
  problems,
})
