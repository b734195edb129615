import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import createMinimalClient from '../../examples/clients/minimal/index.ts'
import { ClientRejected, type Driver, type DriverContext } from '../../harness/drivers/types.ts'
import type { ServeStatus } from '../../harness/serve-control.ts'
import type { Exchange } from '../../model/transcript.ts'
import { completeAuthorization } from '../../harness/user-agent.ts'

const BIN = new URL('../../bin/atproto-oauth-conformance.js', import.meta.url).pathname

/** Whether a loopback port can be bound right now. */
async function free(port: number): Promise<boolean> {
  const server = createServer()
  server.listen(port, '127.0.0.1')
  const ok = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)])
  if (ok) await new Promise((resolve) => server.close(resolve))
  return ok
}

/**
 * A base port whose next four are free too (serve takes five fixed ports), below Linux's ephemeral range
 * (32768+) where the other test files' Worlds take their ports.
 */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 22_000)
    let all = true
    for (let i = 0; i < 5 && all; i++) all = await free(base + i)
    if (all) return base
  }
  throw new Error('no five consecutive free ports')
}

/** Spawns `serve` and resolves once it printed its banner (no sleeping: it waits for the line). */
async function startServe(port: number): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  child.stderr.on('data', (d: Buffer) => (out += d))
  let timer: NodeJS.Timeout | undefined
  await new Promise<void>((resolve, reject) => {
    // A serve that neither gets ready nor exits is killed, not waited for.
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve was not ready within 20 s:\n${out}`))
    }, 20_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d
      if (out.includes('Ctrl-C to stop.')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready:\n${out}`)))
  }).finally(() => clearTimeout(timer))
  return { child, output: () => out }
}

describe('serve: a World on fixed ports with a control API', () => {
  let served: { child: ChildProcessWithoutNullStreams; output: () => string }
  let control: string
  let status: ServeStatus

  beforeAll(async () => {
    let port = 0
    // Another process may take a port between the check and serve's listen: then serve exits, and we try again.
    for (let attempt = 1; !served; attempt++) {
      port = await freeBasePort()
      served = await startServe(port).catch((err: Error) => {
        if (attempt === 5 || !err.message.includes('EADDRINUSE')) throw err
        return undefined as unknown as typeof served
      })
    }
    control = `http://127.0.0.1:${port + 4}`
    status = (await (await fetch(`${control}/control/status`)).json()) as ServeStatus
  })
  afterAll(async () => {
    if (served?.child.exitCode === null) {
      served.child.kill('SIGTERM')
      const kill = setTimeout(() => served.child.kill('SIGKILL'), 10_000)
      await once(served.child, 'exit')
      clearTimeout(kill)
    }
  })

  const putFaults = (body: string, type = 'application/json') =>
    fetch(`${control}/control/faults`, { method: 'PUT', headers: { 'content-type': type }, body })

  function ctxFor(s: ServeStatus): DriverContext {
    return {
      handleResolver: s.urls.identity,
      plcDirectoryUrl: s.urls.plcDirectory,
      redirectUri: 'http://127.0.0.1:8080/callback',
      clientOrigin: 'https://client.world.internal',
      hostDocument: () => {
        throw new Error('a public client hosts nothing')
      },
      clientKind: 'public',
      publishKeysBy: 'jwks',
      allowHttp: true,
      scenarioId: 'serve',
    }
  }

  /** One login of the minimal client against the served World, the harness's headless user agent consenting. */
  async function login(driver: Driver): Promise<string> {
    const alice = status.accounts[0]!
    const { authorizationUrl } = await driver.authorize(alice.handle)
    const response = await completeAuthorization(authorizationUrl, [status.urls.issuer], { username: alice.handle, password: alice.password, decision: 'approve' })
    return (await driver.callback(response.params)).sub
  }

  it('prints its URLs and test accounts, and reports them on /control/status', () => {
    expect(served.output()).toContain(`authorization server  ${status.urls.issuer}`)
    expect(served.output()).toContain(`control API, status   ${control}/`)
    expect(status).toMatchObject({ profile: 'reference', topology: 'entryway', faults: {}, urls: { control } })
    expect(status.accounts.map((a) => a.handle)).toEqual(['alice.test', 'bob.test'])
  })

  it('serves a client login and a PDS call, then a switched-on iss fault makes the same client refuse the callback', async () => {
    const driver = createMinimalClient()
    await driver.init(ctxFor(status))
    expect(await login(driver)).toBe(status.accounts[0]!.did)
    expect(await driver.call({ method: 'GET', path: '/xrpc/com.atproto.server.getSession' })).toMatchObject({ status: 200, body: { handle: 'alice.test' } })

    const switched = await putFaults(JSON.stringify({ authorizeResponse: { iss: 'https://evil.example' } }))
    expect([switched.status, await switched.json()]).toEqual([200, { faults: { authorizeResponse: { iss: 'https://evil.example' } } }])
    const refused = await login(driver).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toBeInstanceOf(ClientRejected)
    expect((refused as ClientRejected).code).toBe('IssuerMismatch')
    const tokenRequests = ((await (await fetch(`${control}/control/exchanges?last=50`)).json()) as Exchange[]).filter(
      (x) => x.request.method === 'POST' && x.request.path === '/oauth/token',
    )
    expect(tokenRequests).toHaveLength(1) // the first login's; none after the tampered callback

    const cleared = await fetch(`${control}/control/faults`, { method: 'DELETE' })
    expect(await cleared.json()).toEqual({ faults: {} })
    expect(await login(driver)).toBe(status.accounts[0]!.did)
  })

  it('resolves $symbols in a fault plan and shows it on the status page', async () => {
    const res = await putFaults(JSON.stringify({ identity: { didDocPds: { $plc: null } } }))
    expect(await res.json()).toEqual({ faults: { identity: { didDocPds: { [status.accounts[0]!.did]: null } } } })
    const page = await (await fetch(`${control}/`)).text()
    expect(page).toContain('<h2>Fault plan</h2>')
    expect(page).toContain(`&quot;${status.accounts[0]!.did}&quot;: null`)
    expect(page).toContain('<code>GET http://127.0.0.1:')
    await fetch(`${control}/control/faults`, { method: 'DELETE' })
  })

  it('refuses a bad fault plan with a 400 that says what is wrong, and keeps the current plan', async () => {
    const cases: [string, string, number, string][] = [
      ['{"authorizeRespons":{}}', 'application/json', 400, 'the plan: unknown field "authorizeRespons"'],
      ['{"authorizeResponse":{"state":"drop"}}', 'application/json', 400, 'authorizeResponse.state must be one of "tamper", "omit"'],
      ['{"dpopNonce":{"rotateEverySeconds":"60"}}', 'application/json', 400, 'dpopNonce.rotateEverySeconds must be number'],
      ['[1]', 'application/json', 400, 'the fault plan must be a JSON object ({} clears every fault)'],
      ['{"x"', 'application/json', 400, 'the body is not JSON'],
      ['iss=evil', 'application/x-www-form-urlencoded', 415, 'send the fault plan as a JSON object with Content-Type: application/json'],
    ]
    for (const [body, type, code, description] of cases) {
      const res = await putFaults(body, type)
      const json = (await res.json()) as { error: string; error_description: string }
      expect([res.status, json.error_description.startsWith(description)], `${body} → ${json.error_description}`).toEqual([code, true])
    }
    expect(await (await fetch(`${control}/control/faults`)).json()).toEqual({})
  })

  it('advances the World clock and answers bad control requests with JSON errors', async () => {
    const advanced = await fetch(`${control}/control/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"seconds":3600}' })
    expect(await advanced.json()).toEqual({ clock: new Date(Date.parse(status.clock) + 3600_000).toISOString() })
    const bad = await fetch(`${control}/control/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"seconds":-1}' })
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'invalid_request'])
    const last = await fetch(`${control}/control/exchanges?last=many`)
    expect(last.status).toBe(400)
    const unknown = await fetch(`${control}/control/nothing`)
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, 'not_found'])
  })

  it('refuses a --host that is not an IP address (exit 2)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--host', 'example.com'], { env: { ...process.env, NO_COLOR: '1' }, timeout: 25_000, killSignal: 'SIGKILL' })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d))
    const [code] = await once(child, 'exit')
    expect([code, err.trim()]).toEqual([2, 'error: --host example.com: give an IP address (127.0.0.1, or 0.0.0.0 inside a container)'])
  })
})
