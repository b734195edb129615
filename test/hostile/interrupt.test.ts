import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

const BIN = new URL('../../bin/atproto-oauth-conformance.js', import.meta.url).pathname
const ADAPTER = new URL('./sigint-adapter.ts', import.meta.url).pathname
const schema = JSON.parse(readFileSync(new URL('../../reports/report.schema.json', import.meta.url), 'utf8'))

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

/**
 * Runs the CLI and sends SIGINT each time stdout shows the next of `triggers`; resolves with the exit code and
 * the output once the process is gone.
 */
function runInterrupted(args: string[], triggers: RegExp[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 25_000, killSignal: 'SIGKILL' })
    let stdout = ''
    let stderr = ''
    const pending = [...triggers]
    const check = () => {
      while (pending.length > 0 && pending[0]!.test(stdout + stderr)) {
        pending.shift()
        child.kill('SIGINT')
      }
    }
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      check()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      check()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

describe('interrupting a run', () => {
  it('runSuite with an aborted signal skips the scenarios it has not started and marks the report incomplete', async () => {
    const scenarios = SCENARIOS.filter((s) => ['login-with-did', 'login-with-handle', 'callback-iss-mismatch'].includes(s.id))
    const stop = new AbortController()
    const report = await runSuite({
      scenarios,
      driver: () => officialNodeClient(),
      clientName: 'official',
      onScenarioEnd: () => stop.abort(),
      signal: stop.signal,
    })
    expect(report.incomplete).toBe(true)
    expect(report.scenarios.map((s) => [s.id, s.verdict, s.reason])).toEqual([
      [scenarios[0]!.id, 'PASS', undefined],
      [scenarios[1]!.id, 'SKIP', 'run interrupted'],
      [scenarios[2]!.id, 'SKIP', 'run interrupted'],
    ])
    expect(report.totals).toMatchObject({ PASS: 1, SKIP: 2, scenarios: 3 })
    const complete = await runSuite({ scenarios: scenarios.slice(0, 1), driver: () => officialNodeClient(), clientName: 'official' })
    expect('incomplete' in complete).toBe(false)
  })

  it('Ctrl-C lets the running scenario finish, writes a partial report marked incomplete, and exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-sigint-'))
    dirs.push(dir)
    const args = ['run', '--client', ADAPTER, '--client-option', 'blockAt=login-with-handle', '--scenario', 'login-with-did', 'login-with-handle', 'callback-iss-mismatch', '--report-dir', dir, '--timeout', '60000']
    const { code, stdout, stderr } = await runInterrupted(args, [/blocked in login-with-handle/])
    expect(code).toBe(130)
    expect(stderr).toContain('interrupted: finishing the running scenario(s), then writing a partial report (Ctrl-C again to quit now)')
    expect(stdout).toMatch(/\[1\/3\] PASS\s+DISC\s+login-with-did/)
    expect(stdout).toMatch(/\[2\/3\] PASS\s+DISC\s+login-with-handle/)
    expect(stdout).not.toMatch(/\[3\/3\]/)
    expect(stdout).toContain(`report written to ${join(dir, 'report.json')}`)
    expect(stdout).toContain('run interrupted: the report is incomplete (1 scenario(s) not run)')
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    expect(report.incomplete).toBe(true)
    expect(report.scenarios.map((s: { id: string; verdict: string; reason?: string }) => [s.id, s.verdict, s.reason])).toEqual([
      ['login-with-did', 'PASS', undefined],
      ['login-with-handle', 'PASS', undefined],
      ['callback-iss-mismatch', 'SKIP', 'run interrupted'],
    ])
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    addFormats.default(ajv)
    const validate = ajv.compile(schema)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
  })

  it('a second Ctrl-C quits at once, even while a client hangs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-sigint-'))
    dirs.push(dir)
    const args = ['run', '--client', ADAPTER, '--client-option', 'blockAt=login-with-handle', '--client-option', 'hang=1', '--scenario', 'login-with-did', 'login-with-handle', '--report-dir', dir, '--timeout', '60000']
    const started = Date.now()
    const { code, stdout } = await runInterrupted(args, [/blocked in login-with-handle/, /interrupted: finishing/])
    expect(code).toBe(130)
    expect(stdout).not.toContain('report written')
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})
