import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpApp, type HttpApp } from '../../examples/clients/http-app/app.ts'
import { runChild } from '../support/child.ts'
import { CLI_TEST_TIMEOUT_MS } from '../support/timeouts.ts'
import { REPO } from './helpers.ts'

const BIN = join(REPO, 'bin/atproto-oauth-conformance.js')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runChild(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env } })
}

const dirs: string[] = []
let app: HttpApp
beforeAll(async () => {
  app = await startHttpApp()
})
afterAll(async () => {
  await app.close()
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'aoc-drivers-cli-'))
  dirs.push(d)
  return d
}
const report = async (dir: string) => JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))

// Every test here starts CLI processes: their limit fits a loaded 2-core machine.
describe('CLI with a client outside the harness', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('--client-command runs the program per scenario: progress, closing line, report with the driver kind and the client log', async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli(['run', '--client-command', 'node examples/clients/plain-js-stdio/main.js', '--scenario', 'login-with-handle', 'restore-session', '--report-dir', dir])
    expect(code).toBe(0)
    expect(stdout).toContain('atproto-oauth-conformance — client plain-js-stdio (node examples/clients/plain-js-stdio/main.js) (process), 2 scenario(s)')
    expect(stdout).toMatch(/\[1\/2\] PASS\s+DISC\s+login-with-handle/)
    expect(stdout).toMatch(/^1 passed, 0 failed, 1 skipped$/m)
    expect(stdout).toContain(`report written to ${join(dir, 'report.json')}`)
    const r = await report(dir)
    expect(r.client).toEqual({ name: 'plain-js-stdio (node examples/clients/plain-js-stdio/main.js)', driver: 'process' })
    expect(r.scenarios.map((s: { verdict: string; reason?: string }) => [s.verdict, s.reason])).toEqual([
      ['PASS', undefined],
      ['SKIP', 'the client lacks restore'],
    ])
    expect(r.scenarios[0].clientLog).toMatch(/^\[plain-js\] scenario login-with-handle\n/)
  })

  it('--client-command with a client that breaks the protocol: ERROR with the reason, exit 1', async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli(['run', '--client-command', 'node test/drivers/fixtures/broken-client.js garbage callback', '--scenario', 'login-with-handle', '--report-dir', dir])
    expect(code).toBe(1)
    expect(stdout).toMatch(/\[1\/1\] ERROR\s+DISC\s+login-with-handle/)
    expect(stdout).toContain('ERR_DRIVER_PROTOCOL: the client printed a line that is not JSON: "hello world"')
    expect(stdout).toMatch(/^0 passed, 1 failed, 0 skipped$/m)
  })

  it('--client-url drives a running app through its test endpoint', async () => {
    const dir = await tempDir()
    const { code, stdout } = await cli(['run', '--client-url', app.endpoint, '--scenario', 'login-with-handle', 'callback-iss-mismatch', '--report-dir', dir])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^2 passed, 0 failed, 0 skipped$/m)
    expect((await report(dir)).client).toEqual({ name: `@atproto/oauth-client-node (http-app) (${app.endpoint})`, driver: 'http' })
  })

  it('--client-image SKIPs every scenario with the reason where no container engine answers', async () => {
    const dir = await tempDir()
    const { code, stdout, stderr } = await cli(['run', '--client-image', 'atproto-oauth-plain-js', '--family', 'DISC', '--report-dir', dir], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    })
    expect(code).toBe(0)
    expect(stderr).toContain('--client-image atproto-oauth-plain-js: every scenario will be skipped: no container engine')
    expect(stdout).toMatch(/^0 passed, 0 failed, \d+ skipped$/m)
    const r = await report(dir)
    expect(r.client.driver).toBe('container')
    // Every scenario SKIPs: for want of an engine, or (production-configuration scenarios) of https host names.
    expect(r.scenarios.filter((s: { verdict: string; reason: string }) => s.verdict !== 'SKIP' || !/^no container engine|https host names/.test(s.reason))).toEqual([])
  })

  // Six CLI processes: at once, so the test takes as long as the slowest, not the sum (a loaded 2-core machine
  // once took over 30 s for them one after the other).
  it('refuses two clients at once, shell operators, --https, and a program that does not answer hello (exit 2)', { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
    const [both, two, pipe, https, missing, wrong] = await Promise.all([
      cli(['run', '--client', 'minimal', '--client-command', 'node x.js']),
      cli(['run', '--client-url', 'http://127.0.0.1:1/x', '--client-image', 'img']),
      cli(['run', '--client-command', 'node a.js | tee log']),
      cli(['run', '--client-command', 'node a.js', '--https']),
      cli(['run', '--client-command', 'no-such-client-program']),
      cli(['run', '--client-command', 'node test/drivers/fixtures/broken-client.js wrong-protocol hello']),
    ])
    expect(both.code).toBe(2)
    expect(both.stderr.trim()).toBe(
      'error: --client and --client-command each name the client under test; give only one of --client, --client-command, --client-url, --client-image, --client-browser',
    )
    expect(two.code).toBe(2)
    expect(two.stderr).toMatch(/--client-url and --client-image each name the client under test/)
    expect(pipe.stderr).toMatch(/shell operator "\|"/)
    expect(https.stderr).toMatch(/--https works with in-process clients only/)
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(
      'error: --client-command: the client did not complete the hello handshake: could not start the client (no-such-client-program): spawn no-such-client-program ENOENT',
    )
    expect(wrong.stderr).toMatch(/the client speaks driver protocol 2; this harness speaks 1/)
  })
})
