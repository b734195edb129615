import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { announcedPort, containerClient, detectContainerEngine } from '../../harness/drivers/container.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { closedPort } from '../support/ports.ts'
import { CATALOG_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

const dirs: string[] = []
const servers: Server[] = []
const sockets = new Set<Socket>()
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

/** A unix socket that answers like an engine (`200 OK`), or accepts and never answers. */
async function fakeEngine(answers: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aoc-engine-'))
  dirs.push(dir)
  const path = join(dir, 'docker.sock')
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    if (answers) socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(path, resolve))
  return path
}

const thisMachine = await detectContainerEngine()

describe('the container driver', () => {
  it('finds an engine that answers its ping, and says why when none does', async () => {
    expect(await detectContainerEngine({ DOCKER_HOST: `unix://${await fakeEngine(true)}` })).toMatchObject({ available: true })
    const silent = await fakeEngine(false)
    expect(await detectContainerEngine({ DOCKER_HOST: `unix://${silent}` }, 100)).toEqual({
      available: false,
      reason: expect.stringContaining(`no container engine: the socket ${silent} (DOCKER_HOST) did not answer a ping within 100 ms`),
    })
    expect(await detectContainerEngine({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toEqual({
      available: false,
      reason: expect.stringMatching(/^no container engine: the socket \/nonexistent\/docker.sock \(DOCKER_HOST\) does not exist; the docker CLI alone is not enough/),
    })
    const port = await closedPort()
    expect(await detectContainerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toEqual({
      available: false,
      reason: expect.stringContaining(`tcp://127.0.0.1:${port} (DOCKER_HOST) refused the connection (ECONNREFUSED)`),
    })
  })

  it('SKIPs every scenario with the reason after one engine check for the whole run, where no engine answers', { timeout: CATALOG_TEST_TIMEOUT_MS }, async () => {
    // An engine socket that accepts and never answers: each check of it waits out the ping timeout, so one
    // check per scenario would wait for it 112 times.
    const silent = await fakeEngine(false)
    const before = sockets.size
    const client = containerClient({ image: 'atproto-oauth-plain-js', env: { DOCKER_HOST: `unix://${silent}` }, pingTimeoutMs: 300 })
    const report = await runSuite({ scenarios: SCENARIOS, driver: () => client.driver(), clientName: 'atproto-oauth-plain-js', driverKind: 'container', concurrency: 2 })
    expect(report.totals).toMatchObject({ SKIP: SCENARIOS.length, scenarios: SCENARIOS.length })
    for (const s of report.scenarios) {
      // A scenario of the production (https) configuration is skipped before any driver starts: a container
      // cannot reach the World's https host names.
      if (SCENARIOS.find((x) => x.id === s.id)!.https === 'required') {
        expect(s.checks.map((c) => [c.checkId, c.status])).toEqual([['scenario.https', 'SKIP']])
        continue
      }
      expect(s.reason).toContain(`no container engine: the socket ${silent} (DOCKER_HOST) did not answer a ping within 300 ms`)
      expect(s.checks.map((c) => [c.checkId, c.status])).toEqual([['harness.driver', 'SKIP']])
    }
    // The engine was asked once for the whole run, not once per scenario.
    expect(sockets.size - before).toBe(1)
  })

  it.skipIf(thisMachine.available)('SKIPs here, on a machine without a container engine', async () => {
    const client = containerClient({ image: 'atproto-oauth-plain-js' })
    const report = await runSuite({ scenarios: SCENARIOS.slice(0, 3), driver: () => client.driver(), clientName: 'x', driverKind: 'container' })
    expect(report.scenarios.map((s) => s.verdict)).toEqual(['SKIP', 'SKIP', 'SKIP'])
    expect(report.scenarios[0]!.reason).toMatch(/^no container engine: .*the docker CLI alone is not enough/)
  })
})

describe('the port of an HTTP client container', () => {
  // The app picks a free port itself (ATPROTO_CONFORMANCE_HTTP_PORT=0) and names it: no port is chosen free,
  // released and hoped for, so nothing can take it in between.
  it('is the one the app announces in its listening line', () => {
    expect(announcedPort('starting\nlistening on http://127.0.0.1:41234\nconformance test endpoint: …')).toBe(41234)
    expect(announcedPort('listening on http://localhost:8080/')).toBe(8080)
    expect(announcedPort('listening on http://[::1]:9000')).toBe(9000)
  })

  it('is not guessed from a line without one', () => {
    expect(announcedPort('listening on http://')).toBeUndefined()
    expect(announcedPort('listening on http://127.0.0.1:0')).toBeUndefined()
    expect(announcedPort('listening on http://127.0.0.1:99999')).toBeUndefined()
    expect(announcedPort('listening on http://example.com:8080')).toBeUndefined()
  })
})
