import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpApp, type HttpApp } from '../../examples/clients/http-app/app.ts'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { httpDriver } from '../../harness/drivers/http.ts'
import { processDriver } from '../../harness/drivers/process.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { OFFICIAL_STDIO, REPO, verdicts } from './helpers.ts'

let app: HttpApp
beforeAll(async () => {
  app = await startHttpApp()
})
afterAll(() => app.close())

describe('one client, three drivers', () => {
  // Slow (the process run starts one Node program per scenario, about half a minute): part of `npm test` all the same.
  it('the official client gets identical verdicts in-process, as a stdio program and behind an HTTP test endpoint', { timeout: 300_000 }, async () => {
    const run = (driver: Parameters<typeof runSuite>[0]['driver'], driverKind: 'in-process' | 'process' | 'http') =>
      runSuite({ scenarios: SCENARIOS, driver, driverKind, clientName: 'official', concurrency: 2 })
    const inProcess = await run(() => officialNodeClient(), 'in-process')
    // Without libfaketime, so the clock scenarios SKIP here as they do in-process (under it they run: see
    // docs/official-client-findings.md).
    const overStdio = await run(() => processDriver({ command: OFFICIAL_STDIO, cwd: REPO, fakeClock: false }), 'process')
    const overHttp = await run(() => httpDriver({ url: app.endpoint }), 'http')

    const reference = verdicts(inProcess)
    expect(Object.keys(reference)).toEqual(SCENARIOS.map((s) => s.id))
    // No scenario may ERROR: the drivers themselves must not add failures.
    expect(inProcess.totals.ERROR).toBe(0)
    expect(verdicts(overStdio)).toEqual(reference)
    expect(verdicts(overHttp)).toEqual(reference)
    expect([overStdio.client.driver, overHttp.client.driver]).toEqual(['process', 'http'])
  })
})
