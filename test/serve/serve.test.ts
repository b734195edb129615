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

/** Spawns `serve` and resolves once it printed its banner (no sleeping: it waits for the line). */
async function startServe(port: number): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { env: { ...process.env, NO_COLOR: '1' }, detached: true })
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
    // --port 0: every server takes a free port and the banner names it; no port search, no retry.
    served = await startServe(0)
    control = /control API, status {3}(http:\/\/127\.0\.0\.1:\d+)\//.exec(served.output())![1]!
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

  it('says which port is taken and the flag to use when a port is in use (exit 2)', async () => {
    // A port this test holds: serve must fail on it, whatever the rest of the machine does.
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    try {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { env: { ...process.env, NO_COLOR: '1' }, timeout: 25_000, killSignal: 'SIGKILL' })
      let err = ''
      child.stderr.on('data', (d: Buffer) => (err += d))
      const [code] = await once(child, 'exit')
      expect(code).toBe(2)
      expect(err.trim()).toMatch(
        new RegExp(`^error: port \\d+ \\(the [a-zA-Z ]+\\) is already in use: serve takes --port and the next four \\(${port}–${port + 4}\\); give another first port with --port <n>, or --port 0 to take five free ones \\(printed at start\\)$`),
      )
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it("defaults to ports 6583–6587, not the reference PDS's 2583", async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--help'], { env: { ...process.env, NO_COLOR: '1' }, timeout: 25_000, killSignal: 'SIGKILL' })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect(out.replace(/\s+/g, ' ')).toContain('(0: five free ports, printed at start) (default: 6583)')
  })
})
