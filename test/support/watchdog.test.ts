import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { stillAlive } from './processes.ts'

const VITEST = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname
const CONFIG = new URL('./watchdog-fixture/vitest.config.ts', import.meta.url).pathname
const BOUND_MS = 10_000
const HAS_GDB = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0
const dir = mkdtempSync(join(tmpdir(), 'aoc-watchdog-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The environment without this run's vitest variables, so the child is a vitest run of its own. */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'))
  return { ...env, NO_COLOR: '1', CI: 'true', ...extra }
}

it('the watchdog stops a suite whose files hang: it names each file, test and unanswered import, says what each test process waits on (or, blocked, where its threads wait), kills its processes, exits 1', async () => {
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
  expect(out).toMatch(/stuck: hangs\.fixture\.ts \(running for \d+ s; 0 of 1 tests finished\)/)
  expect(out).toMatch(/test: waits for nothing \(running for \d+ s\)/)
  expect(out).not.toMatch(/stuck: passes\.fixture\.ts/)
  // A file whose import vitest never answers: named, with the import it waits for.
  expect(out).toMatch(/stuck: stalls-import\.fixture\.ts \(running for \d+ s; no test collected yet\)/)
  expect(out).toMatch(/unanswered for \d+ s: a test process's import of \/never-transformed\.ts/)
  expect(out).toMatch(/processes under vitest[^\n]*\n[^\n]*PID[^\n]*STATE[^\n]*\n(?:[^\n]*\n)*[^\n]*aoc-watchdog-helper/)
  // Each stuck test process says what it waits on: both idle, one with the helper it started.
  const reports = [...out.matchAll(/pid \d+, diagnostic report:\n {4}(.*)\n {4}waiting on \(live handles\): (.*)/g)]
  expect(reports.map((r) => r[1]), out).toEqual(['no JavaScript running: idle in its event loop, waiting', 'no JavaScript running: idle in its event loop, waiting'])
  expect(reports.filter((r) => /child process \d+/.test(r[2]!)), out).toHaveLength(1)
  // A file that blocks its own thread writes no report: the watchdog says where its threads wait instead, and
  // with gdb on the machine, in what native code.
  expect(out).toMatch(/stuck: blocks\.fixture\.ts \(running for \d+ s; 0 of 1 tests finished\)/)
  expect(out).toMatch(/pid (\d+): no diagnostic report within 5 s \(blocked outside its event loop\); its threads:\n {4}thread \1 \S+ \(main\): state S, in futex/)
  if (HAS_GDB) expect(out).toMatch(/native stacks \(gdb\):\n(?:.*\n)*.*Builtin_AtomicsWait/)
  // The reports hold the test process's environment: read and deleted, never left behind.
  expect(readdirSync(dir).filter((n) => n.startsWith('aoc-worker-reports-'))).toEqual([])
  // The helper ran in a process group of its own: it is gone with the run.
  const helper = Number(readFileSync(pidFile, 'utf8'))
  expect(await stillAlive((p) => p.pid === helper || p.pgid === helper)).toEqual([])
  expect(elapsed).toBeLessThan(BOUND_MS + 40_000)
}, BOUND_MS + 60_000)
