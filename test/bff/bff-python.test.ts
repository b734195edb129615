import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runBffSuite } from '../../harness/bff/runner.ts'
import { readDeclaration, runningBackend } from '../../harness/bff/targets.ts'
import { BFF_SCENARIOS } from '../../scenarios/bff/index.ts'

const dir = fileURLToPath(new URL('../../examples/clients/bff-python/', import.meta.url))
const python = spawnSync('python3', ['--version'], { timeout: 5000 }).status === 0

/** Starts the Python backend on an ephemeral port; resolves with its origin once it listens. */
function startPython(...args: string[]): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn('python3', [`${dir}backend.py`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Python backend did not start within 10 s')), 10_000)
    child.once('exit', (code) => reject(new Error(`the Python backend exited with ${code}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString())
      if (m) {
        clearTimeout(timer)
        resolve({ child, baseUrl: m[1]! })
      }
    })
  })
}

const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill()
})

describe.skipIf(!python)('a backend in another language, through the HTTP contract alone (python3 missing: skipped)', () => {
  it('the stdlib Python backend passes the BFF family; the scenarios it has no endpoint for are skipped with the reason', async () => {
    const started = await startPython()
    const declaration = await readDeclaration(`${dir}bff.json`, started.baseUrl)
    const report = await runBffSuite({ scenarios: BFF_SCENARIOS, target: runningBackend(declaration), timeoutMs: 10_000 })
    const byVerdict = (v: string) => report.scenarios.filter((s) => s.verdict === v).map((s) => s.id)
    expect(byVerdict('FAIL').concat(byVerdict('ERROR'), byVerdict('WARN'))).toEqual([])
    expect(report.scenarios.filter((s) => s.verdict === 'SKIP').map((s) => `${s.id}: ${s.reason}`)).toEqual([
      'bff-refresh-stays-in-backend: the backend has no refresh endpoint',
      'bff-refresh-by-did-refused: the backend has no refresh endpoint',
      'bff-cookie-attributes: the backend has no session cookie',
    ])
    expect(report.client.driver).toBe('http')
    // The header-carried session came through the redirect fragment: the checks judged real refusals.
    const borrowed = report.scenarios.find((s) => s.id === 'bff-did-not-credential')!
    expect(borrowed.checks.find((c) => c.checkId === 'bff.did-not-credential')?.status).toBe('PASS')
  }, 30_000)

  it('the same backend handing the tokens to the extension in the fragment fails on exactly that', async () => {
    const started = await startPython('--flaw', 'tokens-in-fragment')
    const declaration = await readDeclaration(`${dir}bff.json`, started.baseUrl)
    const scenarios = BFF_SCENARIOS.filter((s) => s.id === 'bff-login-and-call')
    const [result] = (await runBffSuite({ scenarios, target: runningBackend(declaration), timeoutMs: 10_000 })).scenarios
    expect(result!.verdict).toBe('FAIL')
    expect(result!.checks.filter((c) => c.status === 'FAIL').map((c) => c.checkId)).toEqual(['bff.no-token-to-frontend'])
    expect(result!.checks.find((c) => c.status === 'FAIL')!.observed).toMatch(/in the redirect URL/)
  }, 30_000)
})
