import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { exitWithParent } from '../lib/child.ts'
import { emit } from '../lib/stats.ts'

/**
 * Runs the full suite `times` times at `concurrency` against the official client and emits each run's
 * verdicts: per scenario its verdict and the status of every check, in order.
 */
exitWithParent()

const times = Number(process.argv[2] ?? 1)
const concurrency = Number(process.argv[3] ?? 1)
const runs: string[][] = []
for (let i = 0; i < times; i++) {
  const report = await runSuite({ scenarios: SCENARIOS, driver: () => officialNodeClient(), clientName: 'official', concurrency })
  runs.push(report.scenarios.map((s) => `${s.id} ${s.verdict} [${s.checks.map((c) => `${c.checkId}=${c.status}`).join(' ')}]`))
  process.stdout.write(`suite x${concurrency}: run ${i + 1}/${times} in ${(report.durationMs / 1000).toFixed(1)} s\n`)
}
emit({ concurrency, runs })
