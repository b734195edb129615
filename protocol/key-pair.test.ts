import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { killGroup, runChild } from '../test/support/child.ts'
import { keyPairSync } from './key-pair.ts'

const FIXTURE = new URL('./key-pair.fixture.ts', import.meta.url).pathname
// A young generation of 1 MB: a garbage collection every few hundred key pairs.
const GC_OFTEN = ['--max-semi-space-size=1', '--import', 'tsx']
const NODE_20 = process.versions.node.startsWith('20.')

it('makes EC, RSA and Ed25519 pairs whose keys match and export as JWKs', () => {
  for (const spec of [{ type: 'ec', namedCurve: 'P-384' }, { type: 'rsa', modulusLength: 2048 }, { type: 'ed25519' }] as const) {
    const { privateKey, publicKey } = keyPairSync(spec)
    const priv = privateKey.export({ format: 'jwk' })
    const pub = publicKey.export({ format: 'jwk' })
    expect(priv.d, spec.type).toBeTypeOf('string')
    expect(pub.d).toBeUndefined()
    expect(pub.x ?? pub.n).toBe(priv.x ?? priv.n)
  }
})

it('its keys export under constant garbage collection without blocking', async () => {
  const run = await runChild(process.execPath, [...GC_OFTEN, FIXTURE, 'helper', '12000'], { timeoutMs: 50_000 })
  expect(run.timedOut, run.stderr).toBe(false)
  expect(run.stdout).toBe('done\n')
}, 60_000)

/** The main thread's system call and CPU ticks, from /proc. */
function sample(pid: number): { syscall: string; ticks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { syscall: readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]!, ticks: Number(fields[11]) + Number(fields[12]) }
}

// Why keyPairSync exists: the same loop on generateKeyPairSync's own keys stops for good on Node 20, its main
// thread in a futex wait (202) that no CPU time ever ends.
it.runIf(NODE_20 && process.platform === 'linux')('on Node 20, generateKeyPairSync keys exported the same way block their thread for good', async () => {
  const child = spawn(process.execPath, [...GC_OFTEN, FIXTURE, 'raw', '1000000'], { stdio: 'ignore', detached: true })
  try {
    let stuckSince: { ticks: number; at: number } | undefined
    const deadline = Date.now() + 50_000
    while (Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100))
      const now = sample(child.pid!)
      if (now.syscall !== '202' || (stuckSince && now.ticks !== stuckSince.ticks)) stuckSince = undefined
      else if (!stuckSince) stuckSince = { ticks: now.ticks, at: Date.now() }
      else if (Date.now() - stuckSince.at >= 2000) break
    }
    expect(child.exitCode).toBeNull()
    expect(stuckSince && Date.now() - stuckSince.at).toBeGreaterThanOrEqual(2000)
  } finally {
    killGroup(child.pid)
  }
}, 60_000)
