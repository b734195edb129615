import { describe, expect, it } from 'vitest'
import { DriverEndpoint } from '../../harness/drivers/endpoint.ts'
import { ClientRejected, type Driver } from '../../harness/drivers/types.ts'

const CAPS = { confidential: true, refresh: true, restore: false, signOut: true }

/** An in-process driver that hosts a document at init and refuses callbacks. */
function fake(): Driver {
  return {
    async init(ctx) {
      ctx.hostDocument('/client-metadata.json', { client_id: `${ctx.clientOrigin}/client-metadata.json` })
      return CAPS
    },
    authorize: async (input) => ({ authorizationUrl: `https://as.test/authorize?login_hint=${input}` }),
    callback: async (params) => {
      throw new ClientRejected('IssuerMismatch', `iss ${params.get('iss')} is not the issuer`)
    },
    call: async (req) => ({ status: 200, body: { path: req.path } }),
    refresh: async () => {
      throw Object.assign(new Error('the refresh token was refused'), { code: 'RefreshRejected' })
    },
    restore: async (sub) => ({ sub }),
    signOut: async () => undefined,
    dispose: async () => undefined,
  }
}

describe('DriverEndpoint (the client side of the protocol, for stdio-server and http-endpoint)', () => {
  it('answers hello, init with the documents hosted meanwhile, and each op with its result or refusal', async () => {
    const endpoint = new DriverEndpoint(fake, { name: 'fake', capabilities: CAPS })
    expect(await endpoint.handle({ id: 0, op: 'hello', protocol: 1 })).toEqual({ id: 0, ok: true, result: { protocol: 1, name: 'fake', capabilities: CAPS } })
    expect(await endpoint.handle({ id: 1, op: 'init', context: { clientOrigin: 'https://client.world.internal' } })).toEqual({
      id: 1,
      ok: true,
      result: { capabilities: CAPS },
      documents: { '/client-metadata.json': { client_id: 'https://client.world.internal/client-metadata.json' } },
    })
    expect(await endpoint.handle({ id: 2, op: 'authorize', input: 'alice.test' })).toEqual({ id: 2, ok: true, result: { authorizationUrl: 'https://as.test/authorize?login_hint=alice.test' } })
    expect(await endpoint.handle({ id: 3, op: 'callback', params: { iss: 'https://evil.example' } })).toEqual({
      id: 3,
      ok: false,
      error: { code: 'IssuerMismatch', message: 'iss https://evil.example is not the issuer' },
    })
    expect(await endpoint.handle({ id: 4, op: 'call', method: 'GET', path: '/xrpc/x' })).toEqual({ id: 4, ok: true, result: { status: 200, body: { path: '/xrpc/x' } } })
    expect(await endpoint.handle({ id: 5, op: 'refresh' })).toEqual({ id: 5, ok: false, error: { code: 'RefreshRejected', message: 'the refresh token was refused' } })
    expect(endpoint.disposed).toBe(false)
    expect(await endpoint.handle({ id: 6, op: 'dispose' })).toEqual({ id: 6, ok: true, result: null })
    expect(endpoint.disposed).toBe(true)
  })

  it('refuses requests it cannot read with BadRequest, and other protocol versions', async () => {
    const endpoint = new DriverEndpoint(fake, { name: 'fake', capabilities: CAPS })
    expect(await endpoint.handle({ id: 0, op: 'hello', protocol: 2 })).toMatchObject({ ok: false, error: { code: 'UnsupportedProtocol' } })
    expect(await endpoint.handle({ id: 1, op: 'authorize', input: 'a' })).toEqual({ id: 1, ok: false, error: { code: 'BadRequest', message: '"init" must come first' } })
    expect(await endpoint.handle({ id: 2, op: 'fly' })).toMatchObject({ id: 2, ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/^unknown op "fly"/) } })
    expect(await endpoint.handle([1])).toMatchObject({ id: -1, ok: false, error: { code: 'BadRequest' } })
    await endpoint.handle({ id: 3, op: 'init', context: {} })
    expect(await endpoint.handle({ id: 4, op: 'call', method: 'DELETE', path: '/x' })).toMatchObject({ error: { code: 'BadRequest', message: '"call" needs "method" (GET or POST), got "DELETE"' } })
  })
})
