import { describe, expect, it } from 'vitest'
import { findLibfaketime } from '../../harness/drivers/faketime.ts'
import { processDriver } from '../../harness/drivers/process.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { CATALOG_TEST_TIMEOUT_MS } from '../support/timeouts.ts'
import { PLAIN_JS, REPO } from './helpers.ts'

describe('the plain-JS stdio example client', () => {
  it('passes every good path it has the capabilities for, and SKIPs the rest with the reason', { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
    const report = await runSuite({ scenarios: SCENARIOS, driver: () => processDriver({ command: PLAIN_JS, cwd: REPO }), clientName: 'plain-js', driverKind: 'process', concurrency: 2 })
    // Its verdicts, for the record (the test output shows them).
    const table = report.scenarios.map((s) => `${s.verdict.padEnd(5)} ${s.id}${s.reason ? ` (${s.reason})` : ''}`)
    console.log(`plain-js-stdio verdicts:\n${table.join('\n')}\n${JSON.stringify(report.totals)}`)

    // No private_key_jwt, no native app, no granular-scope mode, sessions in memory, no session-store fault; the
    // clock needs libfaketime.
    const clockless = !findLibfaketime()
    const lacks = (s: (typeof SCENARIOS)[number]) =>
      s.client === 'confidential' ||
      s.client === 'native' ||
      s.clientScope !== undefined ||
      (s.needs ?? []).some((n) => n === 'restore' || n === 'storeFaults' || (n === 'clientClock' && clockless))
    for (const s of report.scenarios) {
      const scenario = SCENARIOS.find((x) => x.id === s.id)!
      if (lacks(scenario)) {
        expect([s.id, s.verdict, s.reason]).toEqual([s.id, 'SKIP', expect.stringMatching(/^the client lacks (confidential|native|restore|storeFaults|clientClock|granularScopes)/)])
      } else if ('completes' in scenario.expect) {
        expect([s.id, s.verdict]).toEqual([s.id, 'PASS'])
      } else {
        // Negative paths: judged like any client's; the driver must never be the problem.
        expect([s.id, s.verdict]).not.toEqual([s.id, 'ERROR'])
      }
    }
  })
})
