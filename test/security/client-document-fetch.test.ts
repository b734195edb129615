import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchClientDocument } from '../../mock-as/client-metadata-fetch.ts'
import { InvalidClientMetadataError } from '../../protocol/errors.ts'

/**
 * The mock AS's fetcher of client metadata and JWKS documents (DESIGN §9): only hosts of the World's host map,
 * no redirects, a size limit and a timeout. A loopback server plays the client's web host.
 */
let server: Server
let origin: string
const seen: string[] = []
const hung: ServerResponse[] = []
let streamClosed: Promise<void>
let markStreamClosed: () => void

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok.json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/redirect.json': (_req, res) => res.writeHead(302, { location: '/ok.json' }).end(),
  '/loop.json': (_req, res) => res.writeHead(307, { location: '/loop.json' }).end(),
  '/big.json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pad: 'x'.repeat(4096) })),
  '/endless.json': (req, res) => {
    // No Content-Length and no end: the fetcher must stop reading at its limit and drop the connection.
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(16 * 1024, 0x20)
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    }
    res.on('drain', pump)
    res.on('close', () => markStreamClosed())
    req.socket.on('close', () => markStreamClosed())
    pump()
  },
  '/slow.json': (_req, res) => void hung.push(res),
  '/html.json': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
  // Headers at once, then a body that never ends: the deadline covers the body too.
  '/trickle.json': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).write('{"client_id":')
    hung.push(res)
  },
  // Half a body, then the connection is dropped.
  '/broken.json': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"client_id":')
    setImmediate(() => res.socket?.destroy())
  },
}

/** Another loopback server the fetcher must never reach (a developer's own service while `serve` runs). */
let victim: Server
let victimPort = 0
const victimSeen: string[] = []

beforeAll(async () => {
  streamClosed = new Promise((resolve) => (markStreamClosed = resolve))
  server = createServer((req, res) => {
    seen.push(req.url ?? '')
    const route = routes[req.url ?? '']
    if (route) route(req, res)
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  victim = createServer((req, res) => {
    victimSeen.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"victim"}')
  })
  await new Promise<void>((resolve) => victim.listen(0, '127.0.0.1', resolve))
  victimPort = (victim.address() as { port: number }).port
})
afterAll(async () => {
  for (const res of hung) res.destroy()
  server.closeAllConnections()
  victim.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await new Promise((resolve) => victim.close(resolve))
})

const hosts = () => new Map([['client.world.internal', origin]])
const limits = { timeoutMs: 300, maxBytes: 1024 }

async function refusal(url: string): Promise<string> {
  const err = await fetchClientDocument(url, hosts(), limits).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(InvalidClientMetadataError)
  return (err as InvalidClientMetadataError).description
}

describe('client metadata / JWKS fetcher', () => {
  it('fetches an allowed host through the host map', async () => {
    // A generous deadline: the first fetch of a process warms its HTTP stack up, slow on a loaded machine.
    expect(await fetchClientDocument('https://client.world.internal/ok.json', hosts(), { ...limits, timeoutMs: 10_000 })).toEqual({ ok: true })
  })

  it('refuses hosts that are not the World’s, without sending anything', async () => {
    const before = seen.length
    for (const url of ['https://evil.example/ok.json', 'https://127.0.0.1/ok.json', 'https://localhost/ok.json', 'https://client.world.internal.evil.example/ok.json']) {
      expect(await refusal(url)).toMatch(/is not served by this harness/)
    }
    expect(seen.length).toBe(before)
  })

  it('refuses redirects, including a redirect loop, after one request', async () => {
    const before = seen.length
    expect(await refusal('https://client.world.internal/redirect.json')).toMatch(/redirects are not followed \(HTTP 302\)/)
    expect(await refusal('https://client.world.internal/loop.json')).toMatch(/redirects are not followed \(HTTP 307\)/)
    expect(seen.slice(before)).toEqual(['/redirect.json', '/loop.json'])
  })

  it('refuses oversize documents, and stops reading an endless one at the limit', async () => {
    expect(await refusal('https://client.world.internal/big.json')).toMatch(/document larger than 1024 bytes/)
    expect(await refusal('https://client.world.internal/endless.json')).toMatch(/document larger than 1024 bytes/)
    await streamClosed
  })

  it('gives up on a host that never answers', async () => {
    expect(await refusal('https://client.world.internal/slow.json')).toMatch(/no answer within 300 ms/)
  })

  it('refuses a document that is not application/json', async () => {
    expect(await refusal('https://client.world.internal/html.json')).toMatch(/content-type must be application\/json/)
  })

  it('cannot be steered to another origin: a path starting with // or \\, userinfo, another scheme', async () => {
    const before = seen.length
    const steering = [
      `https://client.world.internal//127.0.0.1:${victimPort}/steal.json`,
      `https://client.world.internal/\\127.0.0.1:${victimPort}/steal.json`,
      `https://client.world.internal///127.0.0.1:${victimPort}/steal.json`,
      `https://client.world.internal/%2F%2F127.0.0.1:${victimPort}/steal.json`,
    ]
    for (const url of steering) {
      // At most the document host itself is asked (for a path it does not have): never the victim.
      await fetchClientDocument(url, hosts(), limits).catch(() => undefined)
    }
    expect(victimSeen).toEqual([])
    expect(seen.slice(before).every((p) => p.startsWith('/'))).toBe(true)
    expect(await refusal(`https://user:pw@client.world.internal/ok.json`)).toMatch(/URLs with credentials are not fetched/)
    expect(await refusal(`http://client.world.internal/ok.json`)).toMatch(/only https URLs are fetched, not http:/)
    expect(await refusal(`https://client.test@127.0.0.1:${victimPort}/ok.json`)).toMatch(/URLs with credentials|is not served by this harness/)
    expect(victimSeen).toEqual([])
  })

  it('a body that stalls after the headers, or breaks off, is invalid_client_metadata with the reason', async () => {
    expect(await refusal('https://client.world.internal/trickle.json')).toMatch(/no answer within 300 ms/)
    expect(await refusal('https://client.world.internal/broken.json')).toMatch(/the body broke off|body is not valid JSON/)
  })
})
