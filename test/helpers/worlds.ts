import { afterEach, expect } from 'vitest'
import { createWorld, type World, type WorldOptions } from '../../harness/world.ts'
import { send } from './http.ts'
import { TestClient } from './oauth-client.ts'

/**
 * After a test: every server of the World still answers a good request (a fresh PAR with DPoP and nonce,
 * the protected-resource metadata, a handle resolution), nothing answered 5xx (but 501), and the mocks recorded no
 * harness fault.
 */
export async function expectStillServing(world: World): Promise<void> {
  const client = await TestClient.create(world)
  const par = await client.par()
  expect(par.res.status, `AS after the test: ${par.res.text}`).toBe(201)
  const prm = await send(`${world.urls.pds}/.well-known/oauth-protected-resource`)
  expect(prm.status, 'PDS after the test').toBe(200)
  const handle = await send(`${world.urls.identity}/xrpc/com.atproto.identity.resolveHandle?handle=alice.test`)
  expect(handle.status, 'identity after the test').toBe(200)
  const errors = world.transcript
    .exchanges()
    // 501 MethodNotImplemented is the PDS's deliberate answer to an unknown XRPC method, not a failure.
    .filter((e) => e.response.status >= 500 && e.response.status !== 501)
    .map((e) => `${e.request.method} ${e.request.path} -> ${e.response.status}`)
  expect(errors, 'no 500 from any mock').toEqual([])
  expect(world.harnessFaults, 'no harness fault').toEqual([])
}

/**
 * Gives a test file `world()`: creates a World that afterEach checks with `expectStillServing` and then
 * closes, whether the test passed or not.
 */
export function useWorlds(): (options?: WorldOptions) => Promise<World> {
  const open: World[] = []
  afterEach(async () => {
    const worlds = open.splice(0)
    try {
      for (const w of worlds) await expectStillServing(w)
    } finally {
      await Promise.all(worlds.map((w) => w.close()))
    }
  })
  return async (options) => {
    const w = await createWorld(options)
    open.push(w)
    return w
  }
}
