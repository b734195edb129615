import { createServer, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenLoopback, type LoopbackServer } from '../../harness/http/listen.ts'
import { isLoopbackHost, isLoopbackOrigin } from '../../harness/http/loopback-guard.ts'
import { controlApp } from '../../harness/serve-control.ts'
import { createWorld, type World } from '../../harness/world.ts'

/**
 * `serve` against a web page: a DNS-rebinding page (foreign Host header) and a cross-origin page (foreign Origin)
 * get 403 from the mocks and from the control API; loopback names and origins pass. A rejected fault plan leaves
 * the current one. The World caps its open connections.
 */
let world: World
let control: LoopbackServer

beforeAll(async () => {
  world = await createWorld({ loopbackOnly: true, maxConnections: 8 })
  control = await listenLoopback(controlApp(world, () => control.origin))
})
afterAll(async () => {
  await control.close()
  await world.close()
})

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('serve accepts only loopback Host headers and refuses foreign Origins', () => {
  it('knows loopback names and origins', () => {
    for (const h of ['127.0.0.1', '127.0.0.1:2583', 'localhost:1', 'LOCALHOST', '[::1]:2587']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of [undefined, '', 'evil.example', 'evil.example:2583', '127.0.0.1.evil.example', '127.0.0.2', 'localhost.evil', '[::2]', 'a@127.0.0.1']) {
      expect(isLoopbackHost(h), String(h)).toBe(false)
    }
    expect(isLoopbackOrigin('http://127.0.0.1:8080')).toBe(true)
    expect(isLoopbackOrigin('http://localhost')).toBe(true)
    for (const o of ['null', 'https://evil.example', 'http://127.0.0.1.nip.io', 'file://', 'http://127.0.0.1:8080/path']) expect(isLoopbackOrigin(o), o).toBe(false)
  })

  it('the control API: 403 for a rebinding Host or a foreign Origin, and the fault plan stays', async () => {
    const plan = { authorizeResponse: { iss: 'https://evil.example' } }
    const put = (headers: Record<string, string>, body: unknown) =>
      send(`${control.origin}/control/faults`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    expect((await put({}, plan)).status).toBe(200)
    const rebinding = await put({ host: `evil.example:${control.port}` }, {})
    expect(rebinding.status).toBe(403)
    expect(JSON.parse(rebinding.body)).toEqual({ error: 'access_denied', error_description: `Host "evil.example:${control.port}" is not a loopback name: serve answers only 127.0.0.1, localhost and [::1]` })
    const foreign = await put({ origin: 'https://evil.example' }, {})
    expect(foreign.status).toBe(403)
    expect(JSON.parse(foreign.body).error_description).toBe('requests from the web page "https://evil.example" are refused: serve answers only pages on a loopback origin')
    expect((await send(`${control.origin}/control/exchanges`, { headers: { origin: 'null' } })).status).toBe(403)
    // A rejected plan changes nothing.
    const bad = await put({}, { authorizeResponse: { iss: 'https://evil.example' }, nonsense: { x: 1 } })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error).toBe('invalid_fault_plan')
    expect(JSON.parse((await send(`${control.origin}/control/faults`)).body)).toEqual(plan)
    expect(world.faults).toEqual(plan)
    // Loopback names and origins pass.
    expect((await send(`${control.origin}/control/status`, { headers: { host: `localhost:${control.port}`, origin: 'http://127.0.0.1:5173' } })).status).toBe(200)
  })

  it('the mocks: 403 for a rebinding Host or a foreign Origin; the client host also answers client.world.internal', async () => {
    const metadata = `${world.urls.issuer}/.well-known/oauth-authorization-server`
    expect((await send(metadata)).status).toBe(200)
    expect((await send(metadata, { headers: { host: 'rebind.evil.example' } })).status).toBe(403)
    expect((await send(metadata, { headers: { origin: 'https://evil.example' } })).status).toBe(403)
    expect((await send(metadata, { headers: { origin: 'http://localhost:3000' } })).status).toBe(200)
    expect((await send(`${world.urls.clientHost}/nothing`, { headers: { host: 'client.world.internal' } })).status).toBe(404)
    expect((await send(`${world.urls.clientHost}/nothing`, { headers: { host: 'other.test' } })).status).toBe(403)
  })

  it('caps the connections open at once: past the cap a connection is answered 503 and closed', async () => {
    const { hostname, port } = new URL(world.urls.issuer)
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 8; i++) {
        const s = connect({ host: hostname, port: Number(port) })
        s.on('error', () => undefined)
        sockets.push(s)
        await new Promise<void>((resolve) => s.once('connect', () => resolve()))
      }
      // The server counts a connection when it accepts it: wait until all eight are counted.
      for (let i = 0; i < 100 && world.connections.open < 8; i++) await new Promise((resolve) => setImmediate(resolve))
      expect(world.connections.open).toBe(8)
      const extra = await send(`${world.urls.issuer}/.well-known/oauth-authorization-server`).catch((err: Error) => ({ status: -1, body: err.message }))
      expect(extra.status).toBe(503)
      expect(JSON.parse(extra.body).error).toBe('temporarily_unavailable')
      expect(world.connections.refused).toBeGreaterThanOrEqual(1)
    } finally {
      for (const s of sockets) s.destroy()
      // The server counts a close when its socket's close event runs: let the loop turn until all are counted.
      for (let i = 0; i < 1000 && world.connections.open > 0; i++) await new Promise((resolve) => setImmediate(resolve))
    }
  })

  it('PAR with a client_id that tries to steer the metadata fetch elsewhere is invalid_client_metadata, and nothing else is asked', async () => {
    const seen: string[] = []
    const victim = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":"x","secret":"victim"}')
    })
    await new Promise<void>((resolve) => victim.listen(0, '127.0.0.1', resolve))
    const port = (victim.address() as { port: number }).port
    try {
      for (const clientId of [`https://client.world.internal//127.0.0.1:${port}/client-metadata.json`, `https://client.world.internal/\\127.0.0.1:${port}/client-metadata.json`]) {
        const res = await send(`${world.urls.issuer}/oauth/par`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'atproto' }).toString(),
        })
        expect(res.status, res.body).toBe(400)
        const body = JSON.parse(res.body) as { error: string; error_description: string }
        expect(body.error).toMatch(/^invalid_client(_metadata)?$/)
        expect(res.body).not.toContain('victim')
      }
      expect(seen).toEqual([])
      expect(world.harnessFaults).toEqual([])
    } finally {
      victim.closeAllConnections()
      await new Promise((resolve) => victim.close(resolve))
    }
  })
})
