import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runChild } from '../support/child.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')

function run(cmd: string, args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return runChild(cmd, args, { cwd: REPO })
}

const hasCompose = await run('docker-compose', ['version']).then((r) => r.code === 0)
if (!hasCompose) console.warn('test/serve: docker-compose not installed (apt-get install -y docker-compose): skipping `docker-compose config -q`')

describe('docker-compose.yml and Dockerfile', () => {
  it.skipIf(!hasCompose)('is a valid compose file (docker-compose config -q, offline)', async () => {
    const { code, stderr } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'])
    expect([code, stderr.trim()]).toEqual([0, ''])
  })

  it('publishes the five serve ports to the host loopback only', () => {
    const ports = [...compose.matchAll(/^\s*- "([^"]+)"/gm)].map((m) => m[1])
    expect(ports).toEqual([6583, 6584, 6585, 6586, 6587].map((p) => `127.0.0.1:${p}:${p}`))
  })

  it('binds 0.0.0.0 inside the container only through an explicit --host, and installs runtime dependencies only', () => {
    expect(compose).toMatch(/command: \["serve", "--host", "0\.0\.0\.0", "--port", "6583"/)
    expect(dockerfile).toMatch(/^CMD \["serve", "--host", "0\.0\.0\.0", "--port", "6583"\]$/m)
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m)
    expect(dockerfile).toMatch(/^USER node$/m)
  })
})
