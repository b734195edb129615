import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import type { Driver } from '../../harness/drivers/types.ts'
import { runSuite } from '../../harness/runner.ts'
import type { Scenario } from '../../harness/scenario.ts'
import type { RunReport } from '../../reports/schema.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

const scenario = (id: string): Scenario => {
  const found = SCENARIOS.find((s) => s.id === id)
  if (!found) throw new Error(`no scenario ${id}`)
  return found
}

/** The official client without the restore capability: scenarios that need it are SKIPped. */
function noRestore(): Driver {
  const real = officialNodeClient()
  return { ...real, init: async (ctx) => ({ ...(await real.init(ctx)), restore: false }) }
}

/** A client whose init throws: every scenario is an ERROR. */
function crashing(): Driver {
  return { ...officialNodeClient(), init: () => Promise.reject(new Error('cannot start <the> "client" & co')) }
}

/**
 * A real run with every verdict: PASS (login-with-handle), WARN (confidential-login: the official client
 * resends its client assertion on a nonce retry), FAIL (callback-iss-mismatch with the mask-bad-iss flaw),
 * SKIP (restore-session for a client that cannot restore) and ERROR (sign-out-revokes with a client whose
 * init throws).
 */
export async function sampleReport(): Promise<RunReport> {
  const runs = await Promise.all([
    runSuite({ scenarios: [scenario('login-with-handle'), scenario('confidential-login')], driver: () => officialNodeClient(), clientName: 'official' }),
    runSuite({ scenarios: [scenario('callback-iss-mismatch')], driver: () => officialNodeClient({ flaw: 'mask-bad-iss' }), clientName: 'official' }),
    runSuite({ scenarios: [scenario('restore-session')], driver: noRestore, clientName: 'official' }),
    runSuite({ scenarios: [scenario('sign-out-revokes')], driver: crashing, clientName: 'official' }),
  ])
  return mergeReports(runs)
}

/** The flawed run alone: one FAIL. */
export function failingRun(): Promise<RunReport> {
  return runSuite({ scenarios: [scenario('callback-iss-mismatch')], driver: () => officialNodeClient({ flaw: 'mask-bad-iss' }), clientName: 'official (flaw=mask-bad-iss)' })
}

/** Several runs as one report: scenarios concatenated, totals recounted, the first run's header. */
export function mergeReports(runs: readonly RunReport[]): RunReport {
  const [first] = runs
  if (!first) throw new Error('no runs to merge')
  const scenarios = runs.flatMap((r) => r.scenarios)
  const totals = { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0, scenarios: scenarios.length }
  for (const s of scenarios) totals[s.verdict]++
  return { ...first, durationMs: runs.reduce((t, r) => t + r.durationMs, 0), totals, scenarios }
}
