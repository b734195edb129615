import { describe, expect, it } from 'vitest'
import { CATALOG_TEST_TIMEOUT_MS } from '../test/support/timeouts.ts'
import { officialNodeClient } from '../examples/clients/official-node/adapter.ts'
import createMinimalClient from '../examples/clients/minimal/index.ts'
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

  it('declareScope: deploys the scope in the metadata the World serves; a loopback client has none (ERROR)', async () => {
    const steps = [{ op: 'authorize' }, { op: 'callback' }, { op: 'declareScope', scope: 'transition:email' }] as const
    const deploy = defineScenario({ ...login, id: 'deploy', client: 'confidential', steps: [...steps] })
    const ok = await runScenario(deploy, options(() => officialNodeClient()))
    expect(ok.checks.find((c) => c.checkId === 'scenario.expectation')?.status).toBe('PASS')
    const note = JSON.stringify(ok.transcript).match(/"deployed":\{[^}]*\}/)?.[0]
    expect(note).toBe('"deployed":{"client_id":"https://client.world.internal/oauth-client-metadata.json","scope":"atproto transition:generic transition:email"}')
    const public_ = await runScenario({ ...deploy, client: 'public' }, options(() => officialNodeClient()))
    expect(public_.verdict).toBe('ERROR')
    expect(public_.checks.find((c) => c.checkId === 'harness.driver')!.reason).toMatch(/^ERR_SCENARIO_INVALID: declareScope needs a client whose metadata/)
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

/** A client that refuses every operation after init: it cannot log in anywhere. */
function refusesEverything(): Driver {
  const real = officialNodeClient()
  const no = () => Promise.reject(new ClientRejected('NoWay', 'I refuse everything'))
  return { ...real, authorize: no, callback: no, call: no, refresh: no, restore: no, signOut: no }
}

describe('verdicts speak only to what happened', () => {
  const byId = (id: string) => SCENARIOS.find((s) => s.id === id)!

  it('a client that refuses everything is INCONCLUSIVE on negative scenarios, not PASS; its good path FAILs', async () => {
    const scenarios = ['login-with-handle', 'callback-iss-mismatch', 'callback-state-tampered', 'ident-no-pds-service'].map(byId)
    const report = await runSuite({ scenarios, driver: refusesEverything, clientName: 'refuser' })
    expect(report.scenarios.map((s) => [s.id, s.verdict])).toEqual([
      ['login-with-handle', 'FAIL'],
      ['callback-iss-mismatch', 'INCONCLUSIVE'],
      ['callback-state-tampered', 'INCONCLUSIVE'],
      ['ident-no-pds-service', 'INCONCLUSIVE'],
    ])
    const expectation = report.scenarios[1]!.checks.find((c) => c.checkId === 'scenario.expectation')!
    expect(expectation.reason).toMatch(/does not complete the good path [a-z-]+ in this World \(authorize failed: NoWay/)
    expect(report.totals.INCONCLUSIVE).toBe(3)
  })

  it('the same negative scenario PASSes for a client that completes the good path', async () => {
    const result = await runScenario(byId('callback-iss-mismatch'), options(() => officialNodeClient()))
    expect(result.verdict).toBe('PASS')
  })

  it('a good-path failure after the refused step does not matter: the gate asks only for the steps up to it', async () => {
    // Refuses only calls: it completes logins, so a refusal at callback counts.
    const callsRefused = () => ({ ...officialNodeClient(), call: () => Promise.reject(new ClientRejected('NoCalls', 'no')) })
    const result = await runScenario(byId('callback-iss-mismatch'), options(callsRefused))
    expect(result.verdict).toBe('PASS')
  })

  const expectationOf = (r: { checks: { checkId: string; status: string; reason?: string }[] }) => r.checks.find((c) => c.checkId === 'scenario.expectation')!

  it('a requirement the client never exercised is not scored: no refresh at all leaves REFRESH-03 INCONCLUSIVE', async () => {
    const concurrent = byId('refresh-concurrent')
    const neverRefreshes = await runScenario(concurrent, options(() => createMinimalClient({ flaw: 'no-refresh-on-401' })))
    expect(expectationOf(neverRefreshes).status).toBe('INCONCLUSIVE')
    expect(expectationOf(neverRefreshes).reason).toMatch(/^not exercised: the client sent no POST \/oauth\/token grant_type=refresh_token, so REFRESH-03 was not reached/)
    // The client that does refresh, in parallel, is caught; the one that serialises its refreshes passes.
    const parallel = await runScenario(concurrent, options(() => createMinimalClient({ flaw: 'no-refresh-lock' })))
    expect([parallel.verdict, expectationOf(parallel).status]).toEqual(['FAIL', 'FAIL'])
    expect((await runScenario(concurrent, options(() => createMinimalClient()))).verdict).toBe('PASS')
  })

  it('a step refused over a request another check FAILs on the good path too is that check\'s finding, not the scenario\'s', async () => {
    // A strict AS refuses a PAR without DPoP: the DPoP algorithm under test (DPOP-03) is never reached.
    const result = await runScenario(byId('dpop-alg-from-metadata'), options(() => createMinimalClient({ flaw: 'no-dpop-at-par' })))
    expect(result.verdict).toBe('FAIL')
    expect(result.checks.filter((c) => c.status === 'FAIL').map((c) => c.checkId)).toEqual(['par.dpop'])
    expect(expectationOf(result).status).toBe('INCONCLUSIVE')
    expect(expectationOf(result).reason).toMatch(
      /^step 1 \(authorize\) failed when the authorization server refused POST \/oauth\/par \(#\d+\), which par\.dpop FAILs \(PAR-04 MUST\), as it does on the good path [a-z-]+ in this run: DPOP-03 is not judged on this refusal$/,
    )
    // Without the flaw the same scenario passes: the blame moved only because par.dpop failed.
    expect((await runScenario(byId('dpop-alg-from-metadata'), options(() => createMinimalClient()))).verdict).toBe('PASS')
  })

  it('checks over a transcript cut by a timeout SKIP with the reason; the scenario is ERROR', async () => {
    const hangsAtCall = () => ({ ...officialNodeClient(), call: () => new Promise<never>(() => {}) })
    const result = await runScenario(login, options(hangsAtCall, { timeoutMs: 5000 }))
    expect(result.verdict).toBe('ERROR')
    const judged = result.checks.filter((c) => !c.checkId.startsWith('harness.'))
    expect(judged.length).toBeGreaterThan(5)
    for (const c of judged) {
      expect(c.status, c.checkId).toBe('SKIP')
      expect(c.reason).toMatch(/^the transcript was cut at step 3 \(call\) by ERR_DRIVER_TIMEOUT/)
    }
  })

  it('an httpsOnly client is run in an https World (in-process) or SKIPped with the reason (other drivers)', async () => {
    const seen: boolean[] = []
    const httpsOnly = (): Driver => {
      const real = officialNodeClient()
      return { ...real, init: async (ctx) => (seen.push(ctx.allowHttp), { ...(await real.init(ctx)), httpsOnly: true }) }
    }
    const result = await runScenario(login, options(httpsOnly))
    expect(result.verdict).toBe('PASS')
    expect(seen).toEqual([true, false])
    const other = await runScenario(login, options(httpsOnly, { driverKind: 'process' }))
    expect(other.verdict).toBe('SKIP')
    expect(other.reason).toMatch(/speaks only https/)
  })
})
