import { Server } from 'node:net'
import { withFreePorts } from '../support/ports.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWorld, type World } from '../../harness/world.ts'

const LOOPBACK = ['127.0.0.1', '::1']

/** Records every server that starts listening while `fn` runs, with the address it bound. */
async function boundAddresses(fn: () => Promise<World>): Promise<{ world: World; addresses: string[] }> {
  const servers: Server[] = []
  const original = Server.prototype.listen
  const spy = vi.spyOn(Server.prototype, 'listen').mockImplementation(function (this: Server, ...args: unknown[]) {
    servers.push(this)
    return (original as (...a: unknown[]) => Server).apply(this, args)
  })
  try {
    const world = await fn()
    return {
      world,
      addresses: servers.map((s) => {
        const a = s.address()
        return typeof a === 'string' || a === null ? String(a) : a.address
      }),
    }
  } finally {
    spy.mockRestore()
  }
}

const worlds: World[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()))
})

describe('the harness binds loopback only', () => {
  for (const [name, options] of [
    ['entryway World', {}],
    ['self-hosted World', { topology: 'self-hosted' as const }],
    ['https World (msw host names)', { https: true }],
  ] as const) {
    it(`${name}: every server listens on 127.0.0.1 or ::1`, async () => {
      const { world, addresses } = await boundAddresses(() => createWorld(options))
      worlds.push(world)
      expect(addresses.length).toBeGreaterThanOrEqual(3)
      for (const a of addresses) expect(LOOPBACK).toContain(a)
    })
  }

  it('the fixed ports of `serve` are loopback ports too', async () => {
    const { world, addresses } = await withFreePorts(4, ([as, pds, identity, clientHost]) =>
      boundAddresses(() => createWorld({ ports: { as: as!, pds: pds!, identity: identity!, clientHost: clientHost! } })),
    )
    worlds.push(world)
    expect(addresses.length).toBeGreaterThanOrEqual(4)
    for (const a of addresses) expect(LOOPBACK).toContain(a)
  })
})
