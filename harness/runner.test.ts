import { describe, expect, it } from 'vitest'
import { CATALOG_TEST_TIMEOUT_MS } from '../test/support/timeouts.ts'
import { officialNodeClient } from '../examples/clients/official-node/adapter.ts'
import { ClientRejected, type Driver } from './drivers/types.ts'
import { runScenario, runSuite, type RunOptions } from './runner.ts'
import { defineScenario } from './scenario.ts'
import { SCENARIOS } from '../scenarios/index.ts'

const login = SCENARIOS.find((s) => s.id === 'login-with-handle')!
const options = (driver: () => Driver, extra: Partial<RunOptions> = {}): RunOptions => ({
  scenarios: [],
  driver,
  clientName: 'test',
  ...extra,
})

/** A driver whose every operation is `op`, wrapped around a real client for init. */
function brokenDriver(op: keyof Driver, behaviour: () => Promise<never>): () => Driver {
  return () => {
    const real = officialNodeClient()
    return { ...real, [op]: behaviour }
  }
}

describe('runScenario', () => {
  it('turns a hung client into an ERROR naming the operation, and still closes the World', async () => {
    const result = await runScenario(login, options(brokenDriver('authorize', () => new Promise<never>(() => {})), { timeoutMs: 50 }))
    expect(result.verdict).toBe('ERROR')
    const driverError = result.checks.find((c) => c.checkId === 'harness.driver')!
    expect(driverError.reason).toBe('ERR_DRIVER_TIMEOUT: the client did not answer "authorize" within 50 ms')
  })

  it('turns a crashing driver into an ERROR, not a FAIL', async () => {
    const result = await runScenario(login, options(brokenDriver('callback', () => Promise.reject(new TypeError('boom')))))
    expect(result.verdict).toBe('ERROR')
    expect(result.checks.find((c) => c.checkId === 'harness.driver')!.reason).toMatch(/^ERR_DRIVER_CRASH: the driver threw TypeError: boom/)
  })

  it('reports a client refusal on a good path as FAIL with its message', async () => {
    const result = await runScenario(login, options(brokenDriver('callback', () => Promise.reject(new ClientRejected('NoWay', 'I refuse')))))
    expect(result.verdict).toBe('FAIL')
    const expectation = result.checks.find((c) => c.checkId === 'scenario.expectation')!
    expect(expectation.observed).toBe('step 2 (callback) failed: NoWay: I refuse')
  })

  it('SKIPs a scenario whose capability the client lacks, with the reason', async () => {
    const needsRestore = defineScenario({ ...login, id: 'needs-restore', needs: ['restore'] })
    const result = await runScenario(
      needsRestore,
      options(() => {
        const real = officialNodeClient()
        return { ...real, init: async (ctx) => ({ ...(await real.init(ctx)), restore: false }) }
      }),
    )
    expect(result.verdict).toBe('SKIP')
    expect(result.reason).toBe('the client lacks restore')
  })

  it('an init that throws is an ERROR and the run goes on', async () => {
    const report = await runSuite({
      scenarios: [login, login],
      driver: brokenDriver('init', () => Promise.reject(new Error('cannot start'))),
      clientName: 'broken',
    })
    expect(report.scenarios.map((s) => s.verdict)).toEqual(['ERROR', 'ERROR'])
    expect(report.scenarios[0]!.reason).toMatch(/cannot start/)
    expect(report.totals).toMatchObject({ ERROR: 2, scenarios: 2 })
  })

  it('redacts tokens and codes in report transcripts by default', async () => {
    const result = await runScenario(login, options(() => officialNodeClient()))
    const text = JSON.stringify(result.transcript)
    expect(text).not.toMatch(/"access_token":"eyJ/)
    expect(text).not.toMatch(/cod-[0-9a-f]{64}/)
    expect(text).not.toMatch(/ref-[0-9a-f]{64}/)
    expect(text).not.toMatch(/alice-pass/)
    expect(text).toContain('[redacted sha256:')
    const raw = await runScenario(login, options(() => officialNodeClient(), { noRedact: true }))
    expect(JSON.stringify(raw.transcript)).toMatch(/ref-[0-9a-f]{64}/)
  })

  it('runs scenarios in parallel with the same verdicts', { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
    const scenarios = SCENARIOS
    const serial = await runSuite({ scenarios, driver: () => officialNodeClient(), clientName: 'official' })
    const parallel = await runSuite({ scenarios, driver: () => officialNodeClient(), clientName: 'official', concurrency: 4 })
    expect(parallel.scenarios.map((s) => [s.id, s.verdict])).toEqual(serial.scenarios.map((s) => [s.id, s.verdict]))
  })
})
