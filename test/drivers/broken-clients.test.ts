import { describe, expect, it } from 'vitest'
import { processDriver } from '../../harness/drivers/process.ts'
import type { Driver } from '../../harness/drivers/types.ts'
import type { WireDriver } from '../../harness/drivers/wire.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { broken, PLAIN_JS, pidsIn, REPO, stillRunning } from './helpers.ts'

/** A driver that runs, per scenario, the program the table names for it. */
function routed(routes: Record<string, string[]>, fallback: string[]): Driver {
  let inner: WireDriver | undefined
  const d = () => inner!
  return {
    async init(ctx) {
      inner = processDriver({ command: routes[ctx.scenarioId] ?? fallback, cwd: REPO })
      return inner.init(ctx)
    },
    authorize: (input) => d().authorize(input),
    callback: (params) => d().callback(params),
    call: (req) => d().call(req),
    refresh: () => d().refresh(),
    restore: (sub) => d().restore(sub),
    signOut: () => d().signOut(),
    dispose: async () => inner?.dispose(),
    log: () => inner?.log(),
  }
}

describe('a run with broken clients', () => {
  it('ERRORs the scenarios whose client hangs, crashes or prints garbage, names what went wrong, finishes the others, and leaves no process', async () => {
    const ids = ['login-with-handle', 'login-with-did', 'login-with-pds-url', 'pkce-verifier', 'dpop-ath', 'sign-out-revokes']
    const report = await runSuite({
      scenarios: ids.map((id) => SCENARIOS.find((s) => s.id === id)!),
      driver: () =>
        routed(
          {
            'login-with-did': broken('hang', 'callback'),
            'login-with-pds-url': broken('crash', 'callback'),
            'pkce-verifier': broken('garbage', 'call'),
          },
          PLAIN_JS,
        ),
      clientName: 'broken',
      driverKind: 'process',
      concurrency: 2,
      // Long enough for every good step of a client on a loaded machine (authorize has taken over 1.5 s there).
      timeoutMs: 5000,
    })
    const byId = Object.fromEntries(report.scenarios.map((s) => [s.id, s]))
    expect(Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict]))).toEqual({
      'login-with-handle': 'PASS',
      'login-with-did': 'ERROR',
      'login-with-pds-url': 'ERROR',
      'pkce-verifier': 'ERROR',
      'dpop-ath': 'PASS',
      'sign-out-revokes': 'PASS',
    })
    const driverError = (id: string) => byId[id]!.checks.find((c) => c.checkId === 'harness.driver')?.reason
    expect(driverError('login-with-did')).toBe('ERR_DRIVER_TIMEOUT: the client did not answer "callback" within 5000 ms')
    expect(driverError('login-with-pds-url')).toMatch(
      /^ERR_DRIVER_CRASH: the client exited with code 3 before answering "callback" \(stderr: ".*TypeError: Cannot read properties of undefined/,
    )
    expect(driverError('pkce-verifier')).toBe(
      'ERR_DRIVER_PROTOCOL: the client printed a line that is not JSON: "hello world" (waiting for 4 "call"; log to stderr, not stdout)',
    )
    // Each client's stderr is in its scenario's report.
    expect(byId['login-with-pds-url']!.clientLog).toMatch(/TypeError: Cannot read properties of undefined/)
    expect(byId['login-with-handle']!.clientLog).toMatch(/\[plain-js\] logged in as did:plc:/)
    // The hanging client and its helper are gone, like every other client.
    const pids = report.scenarios.flatMap((s) => pidsIn(s.clientLog))
    expect(pidsIn(byId['login-with-did']!.clientLog)).toHaveLength(2)
    expect(await stillRunning(pids)).toEqual([])
  })
})
