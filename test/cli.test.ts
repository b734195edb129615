import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runChild } from './support/child.ts'
import { CLI_TEST_TIMEOUT_MS } from './support/timeouts.ts'

const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runChild(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } })
}

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'aoc-cli-'))
  dirs.push(d)
  return d
}

// Every test here starts CLI processes: their limit fits a loaded 2-core machine.
describe('CLI', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('list shows every scenario with its requirement ids', async () => {
    const { code, stdout } = await cli('list')
    expect(code).toBe(0)
    expect(stdout).toMatch(/ISS\s+callback-iss-mismatch\s+ISS-03 ISS-07/)
    expect(stdout).toMatch(/^\d+ scenarios in \d+ families$/m)
  })

  it('explain prints the requirement text, the fault and the fix', async () => {
    const { code, stdout } = await cli('explain', 'callback-iss-mismatch')
    expect(code).toBe(0)
    expect(stdout).toContain('ISS-03 MUST: Callback `iss` parameter (RFC 9207)')
    expect(stdout).toContain('{"authorizeResponse":{"iss":"https://evil.example"}}')
    expect(stdout).toContain('How to fix a failing client')
  })

  it('a user mistake is one line on stderr and exit code 2', { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
    const [unknown, concurrency, noClient] = await Promise.all([cli('explain', 'callback-iss'), cli('run', '--concurrency', 'x'), cli('run', '--client', './no-such-client.ts')])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim()).toBe('error: unknown scenario "callback-iss"; did you mean callback-iss-mismatch, callback-iss-missing? (see `atproto-oauth-conformance list`)')
    expect(concurrency.code).toBe(2)
    expect(noClient.stderr).toMatch(/no such file, and not a bundled client/)
  })

  it('run writes report.json, prints progress and the closing line, and exits 0 when nothing fails', async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli('run', '--scenario', 'login-with-handle', 'callback-iss-mismatch', '--report-dir', dir)
    expect(code).toBe(0)
    expect(stdout).toMatch(/\[1\/2\] PASS\s+DISC\s+login-with-handle/)
    expect(stdout).toMatch(/^2 passed, 0 failed, 0 skipped$/m)
    expect(stdout).toContain(`report written to ${join(dir, 'report.json')}`)
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    expect(report.schemaVersion).toBe(1)
    expect(report.scenarios.map((s: { id: string; verdict: string }) => [s.id, s.verdict])).toEqual([
      ['login-with-handle', 'PASS'],
      ['callback-iss-mismatch', 'PASS'],
    ])
  })

  it('exits 1 and names the failed check when the client has a flaw', async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli('run', '--client-option', 'flaw=mask-bad-iss', '--scenario', 'callback-iss-mismatch', '--report-dir', dir)
    expect(code).toBe(1)
    expect(stdout).toMatch(/FAIL callback-iss-mismatch › scenario\.expectation\s+ISS-03 MUST/)
    expect(stdout).toMatch(/observed: the client sent POST \/oauth\/token \(#\d+\)/)
    expect(stdout).toMatch(/^0 passed, 1 failed, 0 skipped$/m)
  })
})

describe('CLI baselines', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  const run = async (baseline: string) => {
    const dir = await tempDir()
    const file = join(dir, 'baseline.txt')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(file, baseline)
    return cli('run', '--client-option', 'flaw=mask-bad-iss', '--scenario', 'callback-iss-mismatch', 'login-with-handle', '--report-dir', dir, '--baseline', file)
  }
  it('a listed failure does not fail the run', async () => {
    const { code, stdout } = await run('# known\ncallback-iss-mismatch  the adapter masks iss on purpose\n')
    expect(code).toBe(0)
    expect(stdout).toMatch(/baselined FAIL callback-iss-mismatch › scenario\.expectation \(baseline\.txt:2: the adapter masks iss on purpose\)/)
    expect(stdout).toContain('result: PASS (1 known failure(s) listed in')
  })
  it('an unlisted failure fails the run', async () => {
    const { code, stdout } = await run('# nothing listed\n')
    expect(code).toBe(1)
    expect(stdout).toContain('result: FAIL (1 failure(s) not in')
  })
  it('a stale entry fails the run and is named', async () => {
    const { code, stdout } = await run('callback-iss-mismatch  masked\nlogin-with-handle  no longer fails\n')
    expect(code).toBe(1)
    expect(stdout).toMatch(/stale baseline entry: .*login-with-handle/)
  })
  it('a typo in the baseline is a usage error naming the line', async () => {
    const { code, stderr } = await run('callback-iss-mismatch: scenario.expectation  space after the colon\n')
    expect(code).toBe(2)
    expect(stderr).toMatch(/baseline\.txt:1: .*space after the colon/)
  })
})
