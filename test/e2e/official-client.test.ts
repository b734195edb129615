import { describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runScenario, runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

const goodPaths = SCENARIOS.filter((s) => 'completes' in s.expect)
const issMismatch = SCENARIOS.find((s) => s.id === 'callback-iss-mismatch')!

function failing(result: Awaited<ReturnType<typeof runScenario>>) {
  return result.checks.filter((c) => c.status === 'FAIL' || c.status === 'ERROR').map((c) => `${c.checkId}: ${c.observed ?? c.reason}`)
}

describe('the official @atproto/oauth-client-node', () => {
  for (const topology of ['entryway', 'self-hosted'] as const) {
    it(`passes every good path (${topology})`, async () => {
      const report = await runSuite({ scenarios: goodPaths, driver: () => officialNodeClient(), clientName: 'official', topology })
      for (const r of report.scenarios) {
        expect(failing(r), r.id).toEqual([])
        expect(['PASS', 'WARN'], r.id).toContain(r.verdict)
      }
      // The one known finding: the assertion is resent unchanged on the PAR nonce retry (NONCE-07, warning-level).
      const warnings = report.scenarios.flatMap((r) => r.checks.filter((c) => c.status === 'WARN').map((c) => `${r.id}:${c.checkId}`))
      expect(warnings).toEqual(['confidential-login:conf.fresh-on-retry'])
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
    const tokenRequest = result.transcript.find(
      (e) => e.kind === 'http' && e.request.path === '/oauth/token' && e.actor === 'client',
    )!
    expect(expectation.evidence).toContain(tokenRequest.ref)
    expect(expectation.observed).toContain(`POST /oauth/token (${tokenRequest.ref})`)
  })
})
