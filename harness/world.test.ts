import { afterEach, describe, expect, it } from 'vitest'
import { createWorld, type World } from './world.ts'

const worlds: World[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()))
})
async function world(...args: Parameters<typeof createWorld>) {
  const w = await createWorld(...args)
  worlds.push(w)
  return w
}

describe('World', () => {
  it('binds every server to loopback only', async () => {
    const w = await world()
    for (const url of Object.values(w.urls)) expect(new URL(url).hostname).toBe('127.0.0.1')
  })

  it('never shares nonces, faults or accounts between two Worlds', async () => {
    const a = await world({ faults: { authorizeResponse: { iss: 'https://evil.example' } } })
    const b = await world()
    expect(a.urls.issuer).not.toBe(b.urls.issuer)
    expect(a.accounts.plc.did).not.toBe(b.accounts.plc.did)
    expect(b.faults).toEqual({})
    const nonceA = (await fetch(`${a.urls.issuer}/oauth/par`, { method: 'POST' })).headers.get('dpop-nonce')!
    const nonceB = (await fetch(`${b.urls.issuer}/oauth/par`, { method: 'POST' })).headers.get('dpop-nonce')!
    expect(nonceA).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(nonceA).not.toBe(nonceB)
  })

  it('copies the fault plan, so a scenario object is never mutated', async () => {
    const faults = { tokenResponse: { token_type: 'Bearer' } }
    const w = await world({ faults })
    w.faults.tokenResponse!.token_type = 'x'
    expect(faults.tokenResponse.token_type).toBe('Bearer')
  })

  it('self-hosted: one origin serves /oauth and /xrpc with one nonce manager', async () => {
    const w = await world({ topology: 'self-hosted' })
    expect(w.urls.issuer).toBe(w.urls.pds)
    const prm = await (await fetch(`${w.urls.pds}/.well-known/oauth-protected-resource`)).json()
    expect(prm).toMatchObject({ resource: w.urls.pds, authorization_servers: [w.urls.issuer] })
  })

  it('entryway: AS and PDS on different origins, the PRM names the AS', async () => {
    const w = await world()
    expect(w.urls.issuer).not.toBe(w.urls.pds)
    const prm = await (await fetch(`${w.urls.pds}/.well-known/oauth-protected-resource`)).json()
    expect(prm.authorization_servers).toEqual([w.urls.issuer])
  })

  it('records every exchange with headers, and the user agent apart from the client', async () => {
    const w = await world()
    await fetch(`${w.urls.issuer}/.well-known/oauth-authorization-server`)
    await fetch(`${w.urls.issuer}/oauth/authorize`, { headers: { 'x-conformance-actor': 'user-agent' } })
    const [meta, page] = w.transcript.exchanges()
    expect(meta).toMatchObject({ ref: '#1', server: 'as', actor: 'client', response: { status: 200 } })
    expect(meta!.response.headers['cache-control']).toBe('max-age=300')
    expect(page).toMatchObject({ ref: '#2', actor: 'user-agent', response: { status: 400 } })
  })

  it('while a World is open, requests to hosts outside the World fail without leaving the machine', async () => {
    const w = await world()
    await expect(fetch('https://evil.example/steal')).rejects.toThrow(TypeError)
    await expect(fetch('https://bsky.social/xrpc/com.atproto.server.describeServer')).rejects.toThrow(TypeError)
    expect((await fetch(`${w.urls.issuer}/.well-known/oauth-authorization-server`)).status).toBe(200)
  })

  it("answers unknown routes with Express's 404 page, as the reference does, never a 500", async () => {
    const w = await world()
    const res = await fetch(`${w.urls.issuer}/nope`)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('<pre>Cannot GET /nope</pre>')
    expect(w.harnessFaults).toEqual([])
  })
})
