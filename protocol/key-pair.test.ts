import type { ChildProcess } from 'node:child_process'
import { expect, it } from 'vitest'
import { killGroup, runChild } from '../test/support/child.ts'
import { threadSample } from '../test/support/thread-states.ts'
import { keyPairSync } from './key-pair.ts'

const FIXTURE = new URL('./key-pair.fixture.ts', import.meta.url).pathname
// A young generation of 1 MB: a garbage collection every few hundred key pairs.
const GC_OFTEN = ['--max-semi-space-size=1', '--import', 'tsx']
const NODE_20 = process.versions.node.startsWith('20.')

it('makes EC, RSA and Ed25519 pairs whose keys match and export as JWKs', () => {
  for (const spec of [{ type: 'ec', namedCurve: 'P-384' }, { type: 'rsa', modulusLength: 2048 }, { type: 'ed25519' }] as const) {
    const { privateKey, publicKey, privateJwk, publicJwk } = keyPairSync(spec)
    const priv = privateKey.export({ format: 'jwk' })
    const pub = publicKey.export({ format: 'jwk' })
    expect(priv.d, spec.type).toBeTypeOf('string')
    expect(pub.d).toBeUndefined()
    expect(pub.x ?? pub.n).toBe(priv.x ?? priv.n)
    // The JWKs returned are the same keys.
    expect(privateJwk).toEqual(priv)
    expect(publicJwk).toEqual(pub)
  }
})

it('its keys export under constant garbage collection without blocking', async () => {
  const run = await runChild(process.execPath, [...GC_OFTEN, FIXTURE, 'helper', '12000'], { timeoutMs: 50_000 })
  expect(run.timedOut, run.stderr).toBe(false)
  expect(run.stdout).toBe('done\n')
}, 60_000)

// Why keyPairSync exists: the same loop on generateKeyPairSync's own keys stops for good on Node 20, its main
// thread in a futex wait (202) that no CPU time ever ends.
it.runIf(NODE_20 && process.platform === 'linux')('on Node 20, generateKeyPairSync keys exported the same way block their thread for good', async () => {
  let child: ChildProcess | undefined
  const run = runChild(process.execPath, [...GC_OFTEN, FIXTURE, 'raw', '1000000'], { timeoutMs: 50_000, onSpawn: (c) => (child = c) })
  let stuckSince: { ticks: number; at: number } | undefined
  let exited = false
  void run.then(() => (exited = true))
  while (!exited) {
    await new Promise((r) => setTimeout(r, 100))
    const now = child?.pid === undefined ? undefined : threadSample(child.pid)
    if (!now || !now.syscall?.startsWith('202 ') || (stuckSince && now.ticks !== stuckSince.ticks)) stuckSince = undefined
    else if (!stuckSince) stuckSince = { ticks: now.ticks, at: Date.now() }
    else if (Date.now() - stuckSince.at >= 2000) break
  }
  const finished = exited
  killGroup(child?.pid)
  // Neither through its million pairs nor killed at the deadline: blocked, and killed here.
  expect(finished).toBe(false)
  expect((await run).timedOut).toBe(false)
  expect(stuckSince && Date.now() - stuckSince.at).toBeGreaterThanOrEqual(2000)
}, 60_000)
