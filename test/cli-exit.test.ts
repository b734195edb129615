import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname
const CLIENT = new URL('./fixtures/long-timer-client.ts', import.meta.url).pathname

describe('CLI exit', () => {
  it('a one-scenario run exits within 1 s of writing its reports, whatever timers the client left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-exit-'))
    try {
      const child = spawn(process.execPath, [BIN, 'run', '--client', CLIENT, '--scenario', 'login-with-handle', '--report-dir', dir], {
        env: { ...process.env, NO_COLOR: '1' },
      })
      let stdout = ''
      let written: number | undefined
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (written === undefined && /report written to .*report\.html/.test(stdout)) written = Date.now()
      })
      // A guard so a regression fails the test instead of hanging it: the client's timers run for minutes.
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
      clearTimeout(killer)
      const exited = Date.now()
      expect(stdout).toMatch(/1 passed, 0 failed/)
      expect(code).toBe(0)
      expect(written).toBeDefined()
      expect(exited - written!).toBeLessThan(1000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
