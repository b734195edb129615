import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { atcuteNodeClient } from '../../examples/clients/atcute-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import type { Topology } from '../../harness/world.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { CATALOG_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

interface Expectations {
  scenarios: Record<string, { verdict: string; checks: string[]; topologies?: Topology[] }>
}
const expectations = JSON.parse(readFileSync(new URL('../../examples/clients/atcute-node/expectations.json', import.meta.url), 'utf8')) as Expectations

describe('@atcute/oauth-node-client (an independent client library, https only)', () => {
  for (const topology of ['entryway', 'self-hosted'] as const) {
    it(`gets the committed expected verdicts on the whole catalog (${topology}; run without --https: the client declares httpsOnly)`, async () => {
      const report = await runSuite({ scenarios: SCENARIOS, driver: () => atcuteNodeClient(), clientName: 'atcute', concurrency: 2, topology })
      const observed = Object.fromEntries(
        report.scenarios.map((r) => [r.id, { verdict: r.verdict, checks: r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId) }]),
      )
      const want = Object.fromEntries(
        SCENARIOS.map((s) => {
          const e = expectations.scenarios[s.id]
          const applies = e && (!e.topologies || e.topologies.includes(topology))
          return [s.id, applies ? { verdict: e.verdict, checks: e.checks } : { verdict: 'PASS', checks: [] }]
        }),
      )
      expect(observed).toEqual(want)
      expect(report.totals.ERROR).toBe(0)
    }, CATALOG_TEST_TIMEOUT_MS)
  }
})
