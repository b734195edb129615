import { describe, expect, it } from 'vitest'
import { fetchPoolTables } from '../../harness/http/fetch-pools.ts'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import type { Driver } from '../../harness/drivers/types.ts'
import { REQUEST_BUDGET, runSuite } from '../../harness/runner.ts'
import { defineScenario } from '../../harness/scenario.ts'
import type { ScenarioResult } from '../../reports/schema.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { activeResources, leakedSince } from '../helpers/leaks.ts'
import { bigBodyClient, crashingClient, floodingClient, hangingClient, redirectLoopClient } from './clients.ts'

const login = SCENARIOS.find((s) => s.id === 'login-with-handle')!
const refresh = SCENARIOS.find((s) => s.id === 'refresh-rotation')!
/** The PDS's protected-resource metadata redirects to itself (fault `protectedResource.redirectTo`). */
const prmLoop = defineScenario({
  ...login,
  id: 'hostile-prm-redirect-loop',
  faults: { protectedResource: { redirectTo: '$pds/.well-known/oauth-protected-resource' } },
})

/**
 * Runs scenarios with one hostile driver and checks nothing of the World outlives the run. The operation timeout
 * leaves a client that crashes time to crash on a loaded machine (400 ms once ran out first); a test about a
 * client that hangs passes its own, short one.
 */
async function runHostile(driver: () => Driver, scenarios = [login], timeoutMs = 5_000): Promise<ScenarioResult[]> {
  const before = activeResources()
  const report = await runSuite({ scenarios, driver, clientName: 'hostile', timeoutMs })
  expect(await leakedSince(before), 'sockets, servers or timers left open after the run').toEqual({})
  expect(report.scenarios).toHaveLength(scenarios.length)
  return report.scenarios
}

function reasons(result: ScenarioResult): string[] {
  return result.checks.filter((c) => c.status === 'ERROR' || c.status === 'FAIL').map((c) => `${c.checkId}: ${c.reason ?? c.observed ?? ''}`)
}

/** The origins Node's fetch keeps a connection pool for (undici's global dispatchers; see harness/http/fetch-pools.ts). */
function fetchPoolOrigins(): string[] {
  const tables = fetchPoolTables()
  expect(tables.length, 'no pool table found under the global dispatchers').toBeGreaterThan(0)
  return tables.flatMap((pools) => [...pools.keys()])
}

describe('hostile clients', () => {
  it('warms up: the official client passes, and a run leaves no socket, server or timer open', async () => {
    const [result] = await runHostile(() => officialNodeClient(), [login], 15_000)
    expect(result!.verdict).toBe('PASS')
  })

  it('a run leaves no fetch connection pool behind for the closed Worlds (memory stays flat over long runs)', async () => {
    const before = fetchPoolOrigins().length
    const [result] = await runHostile(() => officialNodeClient(), [login, refresh], 15_000)
    expect(result!.verdict).toBe('PASS')
    expect(fetchPoolOrigins().length).toBeLessThanOrEqual(before)
  })

  it('a client that hangs (and hangs again in dispose) is an ERROR naming the operation; the next scenario still runs', async () => {
    const [hung, next] = await runHostile(() => hangingClient(), [login, login], 300)
    for (const r of [hung!, next!]) {
      expect(r.verdict).toBe('ERROR')
      expect(reasons(r)).toContain('harness.driver: ERR_DRIVER_TIMEOUT: the client did not answer "authorize" within 300 ms')
    }
  })

  it('a client that crashes mid-flow, leaving a half-written request on a socket, is an ERROR with its stack', async () => {
    let client: ReturnType<typeof crashingClient> | undefined
    const [result] = await runHostile(() => (client = crashingClient()))
    expect(result!.verdict).toBe('ERROR')
    expect(reasons(result!).join('\n')).toMatch(/^harness\.driver: ERR_DRIVER_CRASH: the driver threw TypeError: Cannot read properties of undefined \(reading 'access_token'\)/m)
    // The World's close cut the half-written request off: the client's socket is closed too.
    expect(client!.openSockets()).toBe(0)
  })

  // 3 000 requests take about a second idle; the bounds leave room for a loaded 2-core machine.
  it('a client that floods the World gets 429 past the budget, an ERROR saying so, and the World kept serving', { timeout: 90_000 }, async () => {
    let client: ReturnType<typeof floodingClient> | undefined
    const [result] = await runHostile(() => (client = floodingClient({ requests: 3000, parallel: 32 })), [login], 60_000)
    expect(client!.stats.sent).toBe(3000)
    // Every flood request got an answer: the mocks never stopped serving.
    expect(Object.keys(client!.stats.statuses).sort()).toEqual(['400', '429'].filter((s) => client!.stats.statuses[s]).concat(client!.stats.statuses['200'] ? ['200'] : []).sort())
    expect(client!.stats.statuses['429']).toBeGreaterThan(0)
    expect(result!.verdict).toBe('ERROR')
    expect(reasons(result!).find((r) => r.startsWith('harness.flood'))).toMatch(
      new RegExp(`^harness\\.flood: the client flooded the mock servers: \\d+ requests in one scenario, more than the ${REQUEST_BUDGET} a World serves; the \\d+ beyond were refused with 429$`),
    )
    // Refused requests are counted, not recorded: the transcript stays bounded.
    expect(result!.transcript.filter((e) => e.kind === 'http').length).toBeLessThanOrEqual(REQUEST_BUDGET)
  })

  it('a client that sends a 50 MB body gets 413 before it finished sending, and a FAIL with the answer', async () => {
    let client: ReturnType<typeof bigBodyClient> | undefined
    const [result] = await runHostile(() => (client = bigBodyClient()), [login], 10_000)
    expect(client!.upload.status).toBe(413)
    expect(JSON.parse(client!.upload.body!)).toEqual({ error: 'invalid_request', error_description: 'Request entity too large' })
    // Refused on its Content-Length: the mock answered (and closed) long before 50 MB were sent, buffering none.
    expect(client!.upload.writtenAtAnswer!).toBeLessThan(50 * 1024 * 1024)
    expect(result!.verdict).toBe('FAIL')
    // The refused PAR (#8) is FAILed by the always-on PAR checks (nothing of it was read), as on every login of
    // this client: those FAILs are the finding, and the expectation, which that refusal cut short, is INCONCLUSIVE.
    expect(reasons(result!)).toContain('par.dpop: no DPoP proof on POST /oauth/par (#8)')
    const expectation = result!.checks.find((c) => c.checkId === 'scenario.expectation')!
    expect(expectation.status).toBe('INCONCLUSIVE')
    expect(expectation.observed).toBe('step 1 (authorize) failed: HTTP_413: the authorization server answered 413 to a 52428800-byte PAR body: {"error":"invalid_request","error_description":"Request entity too large"}')
    const refused = result!.transcript.find((e) => e.kind === 'http' && e.response.status === 413)
    expect(refused && refused.kind === 'http' && refused.request.body).toBeUndefined()
  })

  it('a client that follows a redirect loop forever is stopped by the operation timeout (or the request budget)', async () => {
    // The scenario's own client is the first one made: when its loop ends in a refused flood, the gate makes
    // another one for the good path, which never loops.
    const clients: ReturnType<typeof redirectLoopClient>[] = []
    // 2 s: time for many hops even on a loaded machine (300 ms once allowed a single one).
    const [result] = await runHostile(() => clients[clients.push(redirectLoopClient()) - 1]!, [prmLoop], 2000)
    const client = clients[0]
    expect(client!.hops()).toBeGreaterThan(10)
    expect(result!.verdict).toBe('ERROR')
    expect(reasons(result!).join('\n')).toMatch(
      /harness\.driver: ERR_DRIVER_TIMEOUT: the client did not answer "authorize" within 2000 ms|harness\.flood: the client flooded the mock servers/,
    )
    // Once the World is gone, the loop's next fetch fails and the client stops by itself.
    const hops = client!.hops()
    await leakedSince({})
    expect(client!.hops()).toBe(hops)
  })

  it('hostile and good clients in one run: every scenario gets its verdict and the run completes', async () => {
    const drivers = [() => hangingClient({ inDispose: false }), () => officialNodeClient(), () => crashingClient(), () => officialNodeClient()]
    let i = 0
    // 5 s a step: the good client's refresh took over 2 s at load average 18; the hanging one just waits longer.
    const results = await runHostile(() => drivers[i++ % drivers.length]!(), [login, refresh, login, refresh], 5000)
    expect(results.map((r) => r.verdict)).toEqual(['ERROR', 'PASS', 'ERROR', 'PASS'])
  })
})
