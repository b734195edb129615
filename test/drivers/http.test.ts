import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpApp, type HttpApp } from '../../examples/clients/http-app/app.ts'
import { httpDriver, parseClientUrl } from '../../harness/drivers/http.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { closedPort } from '../support/ports.ts'
import { fakeContext } from './helpers.ts'

let app: HttpApp
let odd: Server
let oddUrl: string
/** What the misbehaving endpoint answers to each op. */
const answers: Record<string, { status: number; body: string }> = {}

beforeAll(async () => {
  app = await startHttpApp()
  odd = createServer((req, res) => {
    const op = req.url!.split('/').pop()!
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      const id = JSON.parse(text).id
      const answer = answers[op] ?? { status: 200, body: JSON.stringify({ id, ok: true, result: op === 'hello' ? { protocol: 1, name: 'odd', capabilities: {} } : {} }) }
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(answer.body.replace('$ID', String(id)))
    })
  })
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve))
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/t`
})
afterAll(async () => {
  await app.close()
  odd.closeAllConnections()
  await new Promise((resolve) => odd.close(resolve))
})

describe('the HTTP driver', () => {
  it('drives the example app: a login, a refusal and a SKIP-free run of the session scenarios', async () => {
    const ids = ['login-with-handle', 'callback-iss-mismatch', 'refresh-rotation', 'restore-session', 'sign-out-revokes', 'confidential-login']
    const report = await runSuite({ scenarios: SCENARIOS.filter((s) => ids.includes(s.id)), driver: () => httpDriver({ url: app.endpoint }), clientName: 'http-app', driverKind: 'http', concurrency: 2 })
    expect(Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict]))).toEqual({
      'login-with-handle': 'PASS',
      'callback-iss-mismatch': 'PASS',
      'refresh-rotation': 'PASS',
      'restore-session': 'PASS',
      'sign-out-revokes': 'PASS',
      // The official client's known finding (examples/clients/official-node/expectations.json).
      'confidential-login': 'WARN',
    })
  })

  it('answers the probe with the app name', async () => {
    expect(await httpDriver({ url: `${app.endpoint}/` }).probe()).toMatchObject({ protocol: 1, name: '@atproto/oauth-client-node (http-app)' })
  })

  it('ERRORs on an endpoint that answers an error status, garbage or another id, or does not listen', async () => {
    answers.authorize = { status: 500, body: 'Internal Server Error' }
    answers.callback = { status: 200, body: '<html>' }
    answers.refresh = { status: 200, body: '{"id":77,"ok":true,"result":{"sub":"did:plc:x"}}' }
    const one = async (op: 'authorize' | 'callback' | 'refresh') => {
      const driver = httpDriver({ url: oddUrl })
      await driver.init(fakeContext())
      const run = op === 'authorize' ? driver.authorize('alice.test') : op === 'callback' ? driver.callback(new URLSearchParams('code=x')) : driver.refresh()
      const err = await run.then(() => undefined, (e: Error) => e)
      await driver.dispose()
      return err
    }
    expect(await one('authorize')).toMatchObject({ code: 'ERR_DRIVER_PROTOCOL', message: `POST ${oddUrl}/authorize answered HTTP 500 to "authorize" (id 2): "Internal Server Error"` })
    expect(await one('callback')).toMatchObject({ code: 'ERR_DRIVER_PROTOCOL', message: `POST ${oddUrl}/callback answered a body that is not JSON: "<html>"` })
    expect(await one('refresh')).toMatchObject({ code: 'ERR_DRIVER_PROTOCOL', message: 'the client answered id 77 to request 2 ("refresh")' })

    const port = await closedPort()
    const err = await httpDriver({ url: `http://127.0.0.1:${port}/x` }).init(fakeContext()).then(() => undefined, (e: Error) => e)
    expect(err).toMatchObject({ code: 'ERR_DRIVER_CRASH', message: `could not reach the client at http://127.0.0.1:${port}/x/hello: ECONNREFUSED` })
  })

  it('refuses a --client-url that is not an http(s) base URL', () => {
    expect(() => parseClientUrl('127.0.0.1:8080')).toThrow(/is not an http\(s\) URL|is not a URL/)
    expect(() => parseClientUrl('http://127.0.0.1:8080/conformance?x=1')).toThrow(/query or fragment/)
    expect(parseClientUrl('http://127.0.0.1:8080/conformance/')).toBe('http://127.0.0.1:8080/conformance')
  })
})
