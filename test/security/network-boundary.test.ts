import { createServer, get, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holdNetworkGuard, routeHttpsHost } from '../../harness/https-hosts.ts'
import { createWorld } from '../../harness/world.ts'

/**
 * The boundary in-process clients talk through must be invisible to them: a body behaves as over a real socket.
 * `settles` detects a hang (a promise that never settles), not a duration: it is the only timer here.
 */
function settles(p: Promise<unknown>, ms = 2000): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)))
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), hung]).finally(() => clearTimeout(timer))
}

let release: () => void
let unroute: () => void
let held: ServerResponse | undefined
const server = createServer((req, res) => {
  if (req.url === '/held') {
    // Sends one chunk and holds the rest until the test asks for it.
    res.write('first')
    held = res
    return
  }
  res.end('x'.repeat(256 * 1024))
})
let loopback = ''
const HOST = 'pds.boundary-test.test'

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  loopback = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  release = holdNetworkGuard()
  unroute = routeHttpsHost(HOST, loopback)
})
afterAll(async () => {
  unroute()
  release()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('the network boundary passes bodies through unchanged', () => {
  for (const [name, base] of [
    ['loopback', () => loopback],
    ['a routed https host', () => `https://${HOST}`],
  ] as const) {
    it(`${name}: cancelling an unread body settles`, async () => {
      const res = await fetch(`${base()}/big`)
      expect(await settles(res.body!.cancel())).toBe('settled')
    })

    it(`${name}: a teed body reads whole on both branches`, async () => {
      const res = await fetch(`${base()}/big`)
      const [a, b] = res.body!.tee()
      const [ta, tb] = await Promise.all([new Response(a).text(), new Response(b).text()])
      expect([ta.length, tb.length]).toEqual([256 * 1024, 256 * 1024])
    })

    it(`${name}: a streamed body delivers its first chunk before the server ends it`, async () => {
      const res = await fetch(`${base()}/held`)
      const reader = res.body!.getReader()
      const first = await reader.read()
      expect(new TextDecoder().decode(first.value)).toBe('first')
      held!.end('second')
      let rest = ''
      for (let c = await reader.read(); !c.done; c = await reader.read()) rest += new TextDecoder().decode(c.value)
      expect(rest).toBe('second')
    })
  }

  it('node:https requests to a routed host reach the World', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`https://${HOST}/big`, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text))
      })
      req.on('error', reject).end()
    })
    expect(body.length).toBe(256 * 1024)
  })
})

describe('the network boundary refuses what production would refuse', () => {
  it('fetch to a host outside the World fails without leaving the machine', async () => {
    const err = await fetch('https://evil.example/').then(() => undefined, (e: Error & { cause?: { code?: string } }) => e)
    expect(err?.cause?.code).toBe('ENOTFOUND')
  })

  it('node:http to a host outside the World fails too', async () => {
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => get('http://evil.example/', () => resolve(new Error('answered'))).on('error', resolve))
    expect(err.code).toBe('ENOTFOUND')
  })

  it('plain http to an https World host is refused and recorded with its real scheme', async () => {
    const world = await createWorld({ https: true })
    try {
      const httpUrl = world.urls.pds.replace(/^https:/, 'http:')
      const err = await fetch(`${httpUrl}/.well-known/oauth-protected-resource`).then(() => undefined, (e: Error & { cause?: { code?: string } }) => e)
      expect(err?.cause?.code).toBe('ECONNREFUSED')
      const [ex] = world.transcript.exchanges({ server: 'pds' })
      expect(ex?.request.url).toBe(`${httpUrl}/.well-known/oauth-protected-resource`)
      expect(ex?.response.status).toBe(0)
      expect(ex?.refused).toMatch(/https only/)
      // The https form still works.
      const ok = await fetch(`${world.urls.pds}/.well-known/oauth-protected-resource`)
      expect(ok.status).toBe(200)
    } finally {
      await world.close()
    }
  })
})
