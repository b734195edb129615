import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpApp, type HttpApp } from '../../examples/clients/http-app/app.ts'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { httpDriver } from '../../harness/drivers/http.ts'
import { processDriver } from '../../harness/drivers/process.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { bundledOfficialStdio, REPO, verdicts } from './helpers.ts'
import { CATALOG_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

let app: HttpApp
beforeAll(async () => {
  app = await startHttpApp()
})
afterAll(() => app.close())

describe('one client, three drivers', () => {
  const run = (driver: Parameters<typeof runSuite>[0]['driver'], driverKind: 'in-process' | 'process' | 'http', concurrency = 2) =>
    runSuite({ scenarios: SCENARIOS, driver, driverKind, clientName: 'official', concurrency })
  let reference: ReturnType<typeof verdicts>
  // Scenarios of the production (https) configuration run only in-process: other drivers SKIP them, with the reason.
  const outOfProcess = () =>
    Object.fromEntries(
      Object.entries(reference).map(([id, v]) =>
        SCENARIOS.find((s) => s.id === id)!.https === 'required' ? [id, { verdict: 'SKIP', checks: [] }] : [id, v],
      ),
    )
  beforeAll(async () => {
    const inProcess = await run(() => officialNodeClient(), 'in-process')
    // No scenario may ERROR: the drivers themselves must not add failures.
    expect(inProcess.totals.ERROR).toBe(0)
    reference = verdicts(inProcess)
    expect(Object.keys(reference)).toEqual(SCENARIOS.map((s) => s.id))
  }, CATALOG_TEST_TIMEOUT_MS)

  // Slow (one Node program per scenario, a minute or two): part of `npm test` all the same.
  it('the official client gets identical verdicts as a stdio program', { timeout: 480_000 }, async () => {
    // Without libfaketime, so the clock scenarios SKIP here as they do in-process (under it they run: see
    // docs/official-client-findings.md). A spawned client mostly waits on its start, so three at a time.
    const program = await bundledOfficialStdio()
    const overStdio = await run(() => processDriver({ command: program.command, cwd: REPO, fakeClock: false }), 'process', 3).finally(() => program.dispose())
    expect(overStdio.client.driver).toBe('process')
    expect(verdicts(overStdio)).toEqual(outOfProcess())
  })

  it('the official client gets identical verdicts behind an HTTP test endpoint', { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
    const overHttp = await run(() => httpDriver({ url: app.endpoint }), 'http')
    expect(overHttp.client.driver).toBe('http')
    expect(verdicts(overHttp)).toEqual(outOfProcess())
  })
})
