import { afterEach, describe, expect, it } from 'vitest'
import { findLibfaketime } from '../../harness/drivers/faketime.ts'
import { parseCommand, processDriver } from '../../harness/drivers/process.ts'
import { ClientRejected } from '../../harness/drivers/types.ts'
import type { WireDriver } from '../../harness/drivers/wire.ts'
import { HarnessError } from '../../protocol/errors.ts'
import { broken, fakeContext, OFFICIAL_STDIO, PLAIN_JS, pidsIn, REPO, stillRunning } from './helpers.ts'

const drivers: WireDriver[] = []
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.dispose()))
})
function start(command: string | string[]): WireDriver {
  const driver = processDriver({ command, cwd: REPO })
  drivers.push(driver)
  return driver
}

/** Whatever `promise` rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (err: Error) => err,
  )
}

describe('parseCommand', () => {
  it('splits like a shell: quotes, escapes, variables', () => {
    expect(parseCommand(`node "my client.js" --name 'a b' x\\ y $FOO`, { FOO: 'bar' })).toEqual(['node', 'my client.js', '--name', 'a b', 'x y', 'bar'])
  })

  it('refuses shell operators, since no shell runs the command', () => {
    expect(() => parseCommand('node a.js | tee log')).toThrow(/shell operator "\|".*without a shell/)
    expect(() => parseCommand('cd x && node a.js')).toThrow(/shell operator "&&"/)
    expect(() => parseCommand('   ')).toThrow(/empty/)
  })
})

describe('the process driver', () => {
  it('shakes hands, passes the context as init and in the environment, and hosts the documents a client sends', async () => {
    const documents: Record<string, unknown> = {}
    const driver = start(OFFICIAL_STDIO)
    const caps = await driver.init({ ...fakeContext(documents), clientKind: 'confidential' })
    // Under libfaketime the harness moves the client's clock, so the driver adds clientClock.
    const clock = findLibfaketime() ? { clientClock: true } : {}
    expect(caps).toEqual({ confidential: true, native: true, refresh: true, restore: true, signOut: true, granularScopes: true, storeFaults: true, ...clock })
    // The confidential official client publishes its metadata while it initialises.
    expect(Object.keys(documents)).toEqual(['/oauth-client-metadata.json'])
    expect(documents['/oauth-client-metadata.json']).toMatchObject({
      client_id: 'https://client.world.internal/oauth-client-metadata.json',
      token_endpoint_auth_method: 'private_key_jwt',
    })
  })

  it('probes a client with hello alone', async () => {
    const hello = await start(PLAIN_JS).probe()
    expect(hello).toEqual({ protocol: 1, name: 'plain-js-stdio', capabilities: { confidential: false, refresh: true, restore: false, signOut: true } })
  })

  it("passes the client's refusal on as ClientRejected with its code", async () => {
    const driver = start(broken('refuse'))
    await driver.init(fakeContext())
    const err = await rejection(driver.authorize('alice.test'))
    expect(err).toBeInstanceOf(ClientRejected)
    expect(err).toMatchObject({ code: 'IssuerMismatch', message: 'callback iss is not the issuer of this login' })
  })

  // Each way of breaking the protocol, with the operation that fails and the exact complaint.
  const cases: [mode: string, at: string | undefined, code: string, message: RegExp][] = [
    ['garbage', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed a line that is not JSON: "hello world" \(waiting for 2 "authorize"; log to stderr, not stdout\)$/],
    ['invalid-json', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed a line that is not JSON: "\{\\"id\\":2,\\"ok\\":tru"/],
    ['non-object', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed the number 42 instead of a response object: "42"$/],
    ['array', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed a JSON array instead of a response object: "\[1,2\]"$/],
    ['no-id', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed a response without an integer "id": .*\(waiting for 2 "authorize"\)$/],
    ['unknown-id', undefined, 'ERR_DRIVER_PROTOCOL', /^the client answered id 99, which the harness never sent \(waiting for 2 "authorize"\)/],
    ['answered-twice', undefined, 'ERR_DRIVER_PROTOCOL', /^the client answered id 0 \("hello"\) a second time/],
    ['no-ok', undefined, 'ERR_DRIVER_PROTOCOL', /^the answer to "authorize" \(id 2\) has no boolean "ok"/],
    ['bad-result', undefined, 'ERR_DRIVER_PROTOCOL', /^the answer to "authorize" has no "authorizationUrl" URL in its result: \{"url":/],
    ['bad-error', undefined, 'ERR_DRIVER_PROTOCOL', /^the answer to "authorize" \(id 2\) has "ok": false but no "error" with a "code" string/],
    ['huge-line', undefined, 'ERR_DRIVER_PROTOCOL', /^the client printed a line longer than 4194304 bytes/],
    ['exit-0', undefined, 'ERR_DRIVER_CRASH', /^the client exited with code 0 before answering "authorize" \(stderr: "pid \d+"\)$/],
    ['crash', undefined, 'ERR_DRIVER_CRASH', /^the client exited with code 3 before answering "authorize" \(stderr: .*TypeError: Cannot read properties of undefined/],
    ['killed', undefined, 'ERR_DRIVER_CRASH', /^the client was killed by SIGKILL before answering "authorize"/],
    ['unsolicited', 'init', 'ERR_DRIVER_PROTOCOL', /^the client printed a line that is not JSON: "DEBUG: init done"/],
  ]
  for (const [mode, at, code, message] of cases) {
    it(`ERRORs when the client ${mode}${at ? ` at ${at}` : ''}, and leaves no process behind`, async () => {
      const driver = start(broken(mode, at))
      await driver.init(fakeContext())
      const err = await rejection(driver.authorize('alice.test'))
      expect(err).toBeInstanceOf(HarnessError)
      expect((err as HarnessError).code).toBe(code)
      expect(err.message).toMatch(message)
      // Every later request fails the same way, at once.
      expect((await rejection(driver.refresh())).message).toMatch(code === 'ERR_DRIVER_CRASH' ? /exited|killed/ : message)
      await driver.dispose()
      const pids = pidsIn(driver.log())
      expect(pids).toHaveLength(1)
      expect(await stillRunning(pids)).toEqual([])
    })
  }

  it('ERRORs at init when the client speaks another protocol version or sends bad capabilities', async () => {
    const future = await rejection(start(broken('wrong-protocol', 'hello')).init(fakeContext()))
    expect(future).toMatchObject({ code: 'ERR_DRIVER_PROTOCOL', message: 'the client speaks driver protocol 2; this harness speaks 1' })
    const caps = await rejection(start(broken('bad-capabilities', 'hello')).init(fakeContext()))
    expect(caps).toMatchObject({ code: 'ERR_DRIVER_PROTOCOL', message: 'the answer to "hello" has capabilities.refresh = "yes"; expected true or false' })
  })

  it('ERRORs when the program cannot start', async () => {
    const err = await rejection(start('no-such-client-program --flag').init(fakeContext()))
    expect(err).toMatchObject({ code: 'ERR_DRIVER_CRASH', message: 'could not start the client (no-such-client-program --flag): spawn no-such-client-program ENOENT' })
  })

  it('kills a client that hangs, and the helpers it started, when the scenario ends', async () => {
    const driver = start(broken('hang', 'authorize'))
    await driver.init(fakeContext())
    // The runner's timeout gives up on the answer, then disposes of the driver: with a request unanswered, it kills.
    const answer = driver.authorize('alice.test')
    answer.catch(() => undefined)
    await driver.dispose()
    const pids = pidsIn(driver.log())
    expect(pids).toHaveLength(2)
    expect(await stillRunning(pids)).toEqual([])
    expect(await rejection(answer)).toMatchObject({ code: 'ERR_DRIVER_CRASH', message: 'the client was stopped before it answered "authorize"' })
  })
})
