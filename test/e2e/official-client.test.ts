import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CATALOG_TEST_TIMEOUT_MS } from '../support/timeouts.ts'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runScenario, runSuite, type RunOptions } from '../../harness/runner.ts'
import type { RunReport } from '../../reports/schema.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

const expectations = JSON.parse(readFileSync(new URL('../../examples/clients/official-node/expectations.json', import.meta.url), 'utf8')) as {
  scenarios: Record<string, { verdict: string; checks: string[] }>
}
const issMismatch = SCENARIOS.find((s) => s.id === 'callback-iss-mismatch')!

/** Each scenario's verdict and its non-passing checks, as the expectations file lists them. */
function observed(report: RunReport) {
  return Object.fromEntries(
    report.scenarios.map((r) => [
      r.id,
      { verdict: r.verdict, checks: r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId) },
    ]),
  )
}
function expected() {
  return Object.fromEntries(
    SCENARIOS.map((s) => [s.id, expectations.scenarios[s.id] ? { verdict: expectations.scenarios[s.id]!.verdict, checks: expectations.scenarios[s.id]!.checks } : { verdict: 'PASS', checks: [] }]),
  )
}

describe('the official @atproto/oauth-client-node', () => {
  const runs: [string, Partial<RunOptions>][] = [
    ['entryway', { topology: 'entryway' }],
    ['self-hosted', { topology: 'self-hosted' }],
    ['https host names', { https: true }],
  ]
  for (const [name, options] of runs) {
    it(`gets the committed expected verdicts on the whole catalog (${name})`, { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
      const report = await runSuite({ scenarios: SCENARIOS, driver: () => officialNodeClient(), clientName: 'official', concurrency: 2, ...options })
      expect(observed(report)).toEqual(expected())
    })
  }

  it('refuses a callback whose iss is wrong: no token request after it', async () => {
    const result = await runScenario(issMismatch, { scenarios: [], driver: () => officialNodeClient(), clientName: 'official' })
    expect(result.verdict).toBe('PASS')
    const expectation = result.checks.find((c) => c.checkId === 'scenario.expectation')!
    expect(expectation.observed).toMatch(/refused at callback: .*Issuer mismatch/)
  })

  it('an adapter that masks the wrong iss FAILs, with the forbidden token request in the evidence', async () => {
    const result = await runScenario(issMismatch, {
      scenarios: [],
      driver: () => officialNodeClient({ flaw: 'mask-bad-iss' }),
      clientName: 'official (mask-bad-iss)',
    })
    expect(result.verdict).toBe('FAIL')
    const expectation = result.checks.find((c) => c.checkId === 'scenario.expectation')!
    expect(expectation.status).toBe('FAIL')
    expect(expectation.requirement).toEqual({ id: 'ISS-03', level: 'MUST' })
    const tokenRequest = result.transcript.find((e) => e.kind === 'http' && e.request.path === '/oauth/token' && e.actor === 'client')!
    expect(expectation.evidence).toContain(tokenRequest.ref)
    expect(expectation.observed).toContain(`POST /oauth/token (${tokenRequest.ref})`)
  })
})
