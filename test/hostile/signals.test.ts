import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { browserUnavailable } from '../../harness/drivers/browser.ts'
import { runChild, type ChildRun } from '../support/child.ts'
import { stillAlive } from '../support/processes.ts'
import { CLI_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

const REPO = new URL('../../', import.meta.url).pathname
const BIN = join(REPO, 'bin/atproto-oauth-conformance.js')
const CLIENT = `node ${join(REPO, 'test/hostile/fixtures/signal-client.js')}`
const SCENARIOS = ['login-with-did', 'login-with-handle', 'callback-iss-mismatch']

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aoc-signals-'))
  dirs.push(dir)
  return dir
}

/** A loopback server the signal client reports to ("blocked <pid> <helper>") and takes its "go" from. */
async function controlServer(): Promise<{ server: Server; port: number; blocked: Promise<{ socket: Socket; pid: number; helper: number }> }> {
  let found!: (b: { socket: Socket; pid: number; helper: number }) => void
  const blocked = new Promise<{ socket: Socket; pid: number; helper: number }>((resolve) => (found = resolve))
  const server = createServer((socket) => {
    socket.on('error', () => undefined)
    socket.on('data', (d) => {
      const m = /blocked (\d+) (\d+)/.exec(d.toString())
      if (m) found({ socket, pid: Number(m[1]), helper: Number(m[2]) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port, blocked }
}

/** Resolves once `stream` has printed a chunk matching `pattern` (the run ends anyway by runChild's deadline). */
function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let text = ''
    const look = (d: Buffer) => {
      text += d.toString()
      if (pattern.test(text)) resolve()
    }
    child.stdout!.on('data', look)
    child.stderr!.on('data', look)
  })
}

/**
 * Runs the process-driver client, which blocks in `init` of the second scenario; signals the CLI there (twice
 * with `twice`), lets the client go on once the CLI has said it is stopping, and returns the run with the pids
 * the client reported.
 */
async function signalledRun(signal: NodeJS.Signals, options: { twice?: boolean } = {}): Promise<{ run: ChildRun; dir: string; pid: number; helper: number }> {
  const dir = await tempDir()
  const control = await controlServer()
  let child!: ChildProcess
  const env = { ...process.env, NO_COLOR: '1', AOC_SIGNAL_PORT: String(control.port), AOC_SIGNAL_BLOCK_AT: SCENARIOS[1]!, AOC_SIGNAL_HANG: options.twice ? '1' : '0' }
  const running = runChild(process.execPath, [BIN, 'run', '--client-command', CLIENT, '--scenario', ...SCENARIOS, '--report-dir', dir, '--timeout', '60000'], {
    env,
    timeoutMs: 20_000,
    onSpawn: (c) => (child = c),
  })
  try {
    const blocked = await Promise.race([control.blocked, running.then(() => undefined)])
    if (!blocked) return { run: await running, dir, pid: 0, helper: 0 }
    const stopping = printed(child, /interrupted/)
    child.kill(signal)
    await stopping
    if (options.twice) child.kill(signal)
    else blocked.socket.write('go\n')
    return { run: await running, dir, pid: blocked.pid, helper: blocked.helper }
  } finally {
    control.server.close()
  }
}

async function noProcessLeft(pid: number, helper: number): Promise<void> {
  expect(pid).toBeGreaterThan(0)
  // The client ran as the leader of its own process group, the helper in it.
  expect(await stillAlive((p) => p.pgid === pid || p.pid === helper), 'processes of the client group still running').toEqual([])
}

// CLI processes (and Chromium): limits that fit a loaded 2-core machine.
describe('a signal ends a run like Ctrl-C (process driver)', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: the running scenario finishes, the rest SKIP, the partial report is written, exit ${code}, no process left`, async () => {
      const { run, dir, pid, helper } = await signalledRun(signal)
      expect(run.code, run.stdout + run.stderr).toBe(code)
      expect(run.stderr).toContain(`interrupted by ${signal}: finishing the running scenario(s), then writing a partial report (a second signal quits now)`)
      expect(run.stdout).toContain(`report written to ${join(dir, 'report.json')}`)
      expect(run.stdout).toContain('run interrupted: the report is incomplete (1 scenario(s) not run)')
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
      expect(report.incomplete).toBe(true)
      expect(report.scenarios.map((s: { id: string }) => s.id)).toEqual(SCENARIOS)
      expect(report.scenarios[1].reason).not.toBe('run interrupted')
      expect([report.scenarios[2].verdict, report.scenarios[2].reason]).toEqual(['SKIP', 'run interrupted'])
      await noProcessLeft(pid, helper)
    }, 30_000)
  }

  it('a second SIGTERM quits at once while the client hangs, and kills its process group', async () => {
    const started = Date.now()
    const { run, pid, helper } = await signalledRun('SIGTERM', { twice: true })
    expect(run.code, run.stdout + run.stderr).toBe(143)
    expect(run.timedOut).toBe(false)
    expect(run.stdout).not.toContain('report written')
    await noProcessLeft(pid, helper)
    expect(Date.now() - started).toBeLessThan(20_000)
  }, 30_000)
})

const noChromium = browserUnavailable()
describe('Ctrl-C with the browser driver', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it.skipIf(noChromium !== undefined)(`writes the partial report and closes Chromium, exit 130${noChromium ? ` (skipped: ${noChromium})` : ''}`, async () => {
    const dir = await tempDir()
    // The CLI's own TMPDIR: Chromium's profile directory is made there, which names its processes.
    const tmp = await tempDir()
    const ids = ['login-with-handle', 'pds-call-with-nonce', 'refresh-rotation', 'sign-out-revokes']
    let child!: ChildProcess
    let first!: Promise<void>
    const run = await runChild(process.execPath, [BIN, 'run', '--client-browser', 'example', '--scenario', ...ids, '--report-dir', dir], {
      env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp },
      timeoutMs: 50_000,
      onSpawn: (c) => {
        child = c
        first = printed(c, /\[1\/4\]/)
        void first.then(() => c.kill('SIGINT'))
      },
    })
    expect(child).toBeDefined()
    expect(run.code, run.stdout + run.stderr).toBe(130)
    expect(run.stdout).toContain(`report written to ${join(dir, 'report.json')}`)
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    expect(report.incomplete).toBe(true)
    expect(report.client.driver).toBe('browser')
    // The scenario running at the Ctrl-C finished in a live browser (the driver, not Playwright, owns the signal).
    expect(report.scenarios.slice(0, 2).map((s: { verdict: string }) => s.verdict)).toEqual(['PASS', 'PASS'])
    expect(report.scenarios.at(-1).reason).toBe('run interrupted')
    expect(await stillAlive((p) => p.command.includes(tmp))).toEqual([])
  }, 60_000)
})
