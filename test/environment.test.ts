import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkEnvironment, EnvironmentError, worldStartError } from '../harness/environment.ts'
import { runChild } from './support/child.ts'

const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname

/** Whether this machine can give a child a network namespace of its own, whose loopback is down. */
function unshareNet(): string | undefined {
  try {
    execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 5000 })
    return undefined
  } catch (err) {
    return `unshare -rn is not available here (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
  }
}
const noUnshare = unshareNet()

describe('environment, not client', () => {
  it('a healthy machine passes the check', async () => {
    await expect(checkEnvironment()).resolves.toBeUndefined()
  })

  it('names the cause when listening fails', () => {
    const err = worldStartError(Object.assign(new Error('listen EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' }))
    expect(err).toBeInstanceOf(EnvironmentError)
    expect(err.code).toBe('ERR_ENVIRONMENT')
    expect(err.message).toBe(
      'the environment cannot host the mock servers: listening on 127.0.0.1 failed (EADDRNOTAVAIL): 127.0.0.1 is not configured here (in a container or sandbox, bring up the loopback interface)',
    )
    expect(worldStartError(Object.assign(new Error('x'), { code: 'EMFILE' })).message).toMatch(/ulimit -n/)
  })

  it.skipIf(noUnshare !== undefined)(`with loopback down, run exits 2 and gives no client verdict and no report${noUnshare ? ` (skipped: ${noUnshare})` : ''}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-env-'))
    try {
      // A network namespace of its own: 127.0.0.1 can be listened on, but nothing reaches it (lo is down).
      const r = await runChild('unshare', ['-rn', process.execPath, BIN, 'run', '--scenario', 'login-with-handle', '--report-dir', dir], {
        env: { ...process.env, NO_COLOR: '1' },
      })
      expect(r.timedOut).toBe(false)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^error: the environment cannot host the mock servers: a server listening on http:\/\/127\.0\.0\.1:\d+ cannot be reached \(ENETUNREACH\): loopback is down or filtered here/m)
      expect(r.stdout).not.toMatch(/PASS|FAIL|ERROR/)
      expect(existsSync(join(dir, 'report.json'))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
