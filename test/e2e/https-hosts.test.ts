import { describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

describe('https host names through msw (production client settings, no allowHttp)', () => {
  for (const topology of ['entryway', 'self-hosted'] as const) {
    it(`the official client passes every good path and refuses the bad iss (${topology})`, async () => {
      const report = await runSuite({ scenarios: SCENARIOS, driver: () => officialNodeClient(), clientName: 'official', https: true, topology })
      const bad = report.scenarios.filter((r) => r.verdict !== 'PASS' && r.verdict !== 'WARN')
      expect(bad.map((r) => [r.id, r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP')])).toEqual([])
      const first = report.scenarios[0]!.transcript.find((e) => e.kind === 'http')!
      expect(first.kind === 'http' && first.request.url).toMatch(/^https:\/\/identity\.w\d+-[0-9a-f]{6}\.test\/xrpc\//)
    })
  }
})
