import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { stillAlive } from './processes.ts'

const VITEST = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname
const CONFIG = new URL('./watchdog-fixture/vitest.config.ts', import.meta.url).pathname
const BOUND_MS = 10_000
const dir = mkdtempSync(join(tmpdir(), 'aoc-watchdog-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The environment without this run's vitest variables, so the child is a vitest run of its own. */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'))
  return { ...env, NO_COLOR: '1', CI: 'true', ...extra }
}

it('the watchdog stops a suite whose file hangs: it names the file and test, lists and kills its processes, exits 1', async () => {
  const pidFile = join(dir, 'helper.pid')
  const started = Date.now()
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], {
    // Its own TMPDIR: a vitest stopped by the watchdog leaves its temp files, which go with `dir`.
    // A bound long enough for both fixture files to start on a loaded machine (the clock runs from the start of
    // the run, and two forks starting at load average 10 took more than 2 s).
    env: freshEnv({ AOC_TEST_WATCHDOG_MS: String(BOUND_MS), AOC_WATCHDOG_HELPER_PID_FILE: pidFile, TMPDIR: dir }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A watchdog that does not fire must not hang this test either.
    timeout: BOUND_MS + 50_000,
    killSignal: 'SIGKILL',
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
  const elapsed = Date.now() - started
  expect(signal, out).toBeNull()
  expect(code, out).toBe(1)
  expect(out).toMatch(/watchdog: no test finished for \d+ s \(bound 10 s, AOC_TEST_WATCHDOG_MS\); stopping the run/)
  expect(out).toMatch(/stuck: hangs\.fixture\.ts \(running for \d+ s\)/)
  expect(out).toMatch(/test: waits for nothing \(running for \d+ s\)/)
  expect(out).not.toMatch(/stuck: passes\.fixture\.ts/)
  expect(out).toMatch(/processes under vitest[^\n]*\n[^\n]*PID[^\n]*\n(?:[^\n]*\n)*[^\n]*aoc-watchdog-helper/)
  // The helper ran in a process group of its own: it is gone with the run.
  const helper = Number(readFileSync(pidFile, 'utf8'))
  expect(await stillAlive((p) => p.pid === helper || p.pgid === helper)).toEqual([])
  expect(elapsed).toBeLessThan(BOUND_MS + 40_000)
}, BOUND_MS + 60_000)
