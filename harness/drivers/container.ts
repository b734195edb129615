/**
 * The container driver (`run --client-image <image>`): testcontainers runs the client image once per scenario,
 * and the harness speaks the driver protocol with it, either as JSON lines over the container's attached stdio
 * (`protocol: 'stdio'`, the default) or over HTTP (`protocol: 'http'`). The container shares the host's network
 * (`--network host`): the World listens on 127.0.0.1 only, and the URLs in the context and in the World's
 * documents are loopback URLs, which only the host's network namespace can reach.
 *
 * Where no container engine answers (a docker CLI without a daemon, CI without Docker), every scenario SKIPs in
 * milliseconds with the reason: the engine is pinged directly, with a short limit, before testcontainers is
 * even loaded (it would otherwise spend seconds on its own discovery, per scenario).
 */
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, type Duplex } from 'node:stream'
import { HarnessError } from '../../protocol/errors.ts'
import { BoundedLog } from './bounded-log.ts'
import { httpTransport } from './http.ts'
import { JsonLinesChannel } from './json-lines.ts'
import { DriverUnavailable } from './types.ts'
import { contextEnv, wireDriver, type WireDriver, type WireTransport } from './wire.ts'

export interface ContainerDriverOptions {
  image: string
  /** How the client in the image speaks the protocol: JSON lines on stdio (default) or an HTTP test endpoint. */
  protocol?: 'stdio' | 'http'
  /** HTTP: the endpoint's path in the app (default `/conformance`); the app listens on ATPROTO_CONFORMANCE_HTTP_PORT. */
  path?: string
  /** Where the engine is looked for (DOCKER_HOST, HOME, XDG_RUNTIME_DIR); default process.env. */
  env?: Record<string, string | undefined>
  /** How long the engine's ping may take. */
  pingTimeoutMs?: number
  /** How many bytes of the container's log the report keeps. */
  logLimit?: number
}

export type EngineCheck = { available: true; where: string } | { available: false; reason: string }

/** `GET /_ping` over a unix socket or TCP, with a limit; true when the engine answers 200. */
function ping(target: { path: string } | { host: string; port: number }, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port })
    let answer = ''
    const done = (problem: string | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(problem)
    }
    const timer = setTimeout(() => done(`did not answer a ping within ${ms} ms`), ms)
    socket.on('connect', () => socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) {
        const status = answer.slice(0, answer.indexOf('\r\n'))
        done(/^HTTP\/1\.[01] 200\b/.test(status) ? undefined : `answered the ping with "${status}"`)
      }
    })
    socket.on('error', (err: NodeJS.ErrnoException) => done(`refused the connection (${err.code ?? err.message})`))
    socket.on('end', () => done('closed the connection without answering the ping'))
  })
}

/** The engine testcontainers would use, from DOCKER_HOST, ~/.testcontainers.properties or the usual sockets. */
function engineCandidates(env: Record<string, string | undefined>): { configured?: string; sockets: string[] } {
  if (env.DOCKER_HOST) return { configured: env.DOCKER_HOST, sockets: [] }
  const home = env.HOME ?? homedir()
  try {
    const props = readFileSync(join(home, '.testcontainers.properties'), 'utf8')
    const host = /^\s*docker\.host\s*=\s*(\S+)/m.exec(props)?.[1]
    if (host) return { configured: host, sockets: [] }
  } catch {
    // no properties file
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined
  const sockets = [
    '/var/run/docker.sock',
    join(home, '.docker/run/docker.sock'),
    join(home, '.docker/desktop/docker.sock'),
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock'), join(env.XDG_RUNTIME_DIR, '.docker/run/docker.sock')] : []),
    ...(uid !== undefined ? [`/run/user/${uid}/docker.sock`] : []),
  ]
  return { sockets: [...new Set(sockets)] }
}

/**
 * Whether a container engine answers here, found the way testcontainers finds one, in at most `ms` per candidate.
 * Engines reached through TLS, ssh or a Windows pipe are not pinged: testcontainers is trusted to find them.
 */
export async function detectContainerEngine(env: Record<string, string | undefined> = process.env, ms = 500): Promise<EngineCheck> {
  const { configured, sockets } = engineCandidates(env)
  const noDaemon = 'the docker CLI alone is not enough: start the Docker (or Podman) daemon, or set DOCKER_HOST to one that runs'
  if (configured) {
    let url: URL
    try {
      url = new URL(configured)
    } catch {
      return { available: false, reason: `no container engine: DOCKER_HOST=${configured} is not a URL` }
    }
    if (url.protocol === 'unix:') {
      const problem = existsSync(url.pathname) ? await ping({ path: url.pathname }, ms) : 'does not exist'
      return problem
        ? { available: false, reason: `no container engine: the socket ${url.pathname} (DOCKER_HOST) ${problem}; ${noDaemon}` }
        : { available: true, where: configured }
    }
    if ((url.protocol === 'tcp:' || url.protocol === 'http:') && !env.DOCKER_TLS_VERIFY) {
      const problem = await ping({ host: url.hostname, port: Number(url.port || 2375) }, ms)
      return problem ? { available: false, reason: `no container engine: ${configured} (DOCKER_HOST) ${problem}; ${noDaemon}` } : { available: true, where: configured }
    }
    return { available: true, where: configured }
  }
  const present = sockets.filter((s) => existsSync(s))
  if (present.length === 0) {
    return { available: false, reason: `no container engine: DOCKER_HOST is not set and there is no engine socket (${sockets.join(', ')}); ${noDaemon}` }
  }
  const problems: string[] = []
  for (const path of present) {
    const problem = await ping({ path }, ms)
    if (!problem) return { available: true, where: `unix://${path}` }
    problems.push(`${path} ${problem}`)
  }
  return { available: false, reason: `no container engine: ${problems.join('; ')}; ${noDaemon}` }
}

type Testcontainers = typeof import('testcontainers')

/** What every scenario of a run shares: the engine check, testcontainers itself, the pulled image. */
interface Prepared {
  tc: Testcontainers
}

/** The line an HTTP client's app prints once it listens; the port it names is where the endpoint is. */
const LISTENING = /listening on http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):(\d{1,5})\b/

/**
 * The port an app announced in its `listening on http://127.0.0.1:<port>` line, if `text` has one. The app
 * chooses it (ATPROTO_CONFORMANCE_HTTP_PORT=0: a free port of its own) and says which: nothing can take it
 * between choosing and listening, as it could with a port the harness found free and released.
 */
export function announcedPort(text: string): number | undefined {
  const port = Number(LISTENING.exec(text)?.[1])
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}

/**
 * Drivers for one client image. `prepare()` checks the engine, loads testcontainers and pulls the image once for
 * the whole run (the CLI calls it before the first scenario, so a pull does not count against `--timeout`);
 * every driver awaits the same preparation, and SKIPs its scenario when there is no engine.
 */
export function containerClient(options: ContainerDriverOptions): { prepare(): Promise<EngineCheck>; driver(): WireDriver } {
  const protocol = options.protocol ?? 'stdio'
  let preparation: Promise<{ check: EngineCheck; prepared?: Prepared }> | undefined

  const prepare = () =>
    (preparation ??= (async () => {
      const check = await detectContainerEngine(options.env ?? process.env, options.pingTimeoutMs)
      if (!check.available) return { check }
      let tc: Testcontainers
      try {
        tc = await import('testcontainers')
      } catch (err) {
        return { check: { available: false as const, reason: `testcontainers is not installed (npm install --save-dev testcontainers@11.14.0): ${(err as Error).message}` } }
      }
      try {
        const client = await tc.getContainerRuntimeClient()
        const name = tc.ImageName.fromString(options.image)
        if (!(await client.image.exists(name))) await client.image.pull(name)
        // testcontainers' reaper (which removes containers a crashed run leaves) starts with the first container;
        // starting it here keeps its pull and start out of the first scenario's --timeout.
        if (process.env.TESTCONTAINERS_RYUK_DISABLED !== 'true') await tc.getReaper(client)
      } catch (err) {
        return { check: { available: false as const, reason: `the container engine could not provide the image ${options.image}: ${(err as Error).message}` } }
      }
      return { check, prepared: { tc } }
    })())

  function transport(): WireTransport {
    const log = new BoundedLog(options.logLimit)
    let stop: ((graceful: boolean, ms: number) => Promise<void>) | undefined
    let inner: WireTransport | undefined
    let channel: JsonLinesChannel | undefined

    return {
      async open(ctx) {
        const { check, prepared } = await prepare()
        if (!prepared) throw new DriverUnavailable(check.available ? 'the container engine is not ready' : check.reason)
        const { tc } = prepared
        const env = contextEnv(ctx)
        if (protocol === 'http') {
          // The log consumer sees the announcement too (its own stream, so maybe after the wait strategy).
          let announce: (port: number) => void = () => undefined
          const announced = new Promise<number>((resolve) => (announce = resolve))
          let head = ''
          const started = await new tc.GenericContainer(options.image)
            .withEnvironment({ ...env, ATPROTO_CONFORMANCE_HTTP_PORT: '0' })
            .withNetworkMode('host')
            .withLogConsumer((stream) =>
              stream.on('data', (chunk: Buffer | string) => {
                log.write(chunk)
                head = `${head}${chunk}`.slice(-4096)
                const port = announcedPort(head)
                if (port !== undefined) announce(port)
              }),
            )
            // The app says where it listens (examples/clients/http-app/main.ts prints this line).
            .withWaitStrategy(tc.Wait.forLogMessage(LISTENING))
            .start()
          stop = async () => {
            await started.stop({ timeout: 0 }).catch(() => undefined)
          }
          let timer: NodeJS.Timeout | undefined
          const port = await Promise.race([
            announced,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new HarnessError('ERR_DRIVER_PROTOCOL', `the client container said it listens but its log shows no "listening on http://127.0.0.1:<port>" line${log.tail()}`)), 10_000)
            }),
          ]).finally(() => clearTimeout(timer))
          inner = httpTransport({ url: `http://127.0.0.1:${port}${options.path ?? '/conformance'}` })
          await inner.open(ctx)
          return
        }
        // stdio: the container keeps stdin open and the harness attaches to it, like `docker run -i`.
        class StdioContainer extends tc.GenericContainer {
          constructor(image: string) {
            super(image)
            this.createOpts = { ...this.createOpts, OpenStdin: true, StdinOnce: false, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false }
          }
        }
        const started = await new StdioContainer(options.image).withEnvironment(env).withNetworkMode('host').start()
        // Until the attach below is done, closing means removing the container.
        stop = async () => {
          await started.stop({ timeout: 0 }).catch(() => undefined)
        }
        const client = await tc.getContainerRuntimeClient()
        const container = client.container.getById(started.getId())
        const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, logs: true })) as unknown as Duplex
        const stdout = new PassThrough()
        const stderr = new PassThrough()
        stderr.on('data', (chunk: Buffer) => log.write(chunk))
        client.container.dockerode.modem.demuxStream(stream, stdout, stderr)
        let closing = false
        const exited = container.wait().then(
          (r: { StatusCode?: number }) => r.StatusCode,
          () => undefined,
        )
        const ch = new JsonLinesChannel(stream, stdout, () => void started.stop({ timeout: 0 }).catch(() => undefined))
        channel = ch
        void exited.then((code) => {
          if (closing) return
          ch.ended((op) => `the client container exited with code ${code ?? '?'} ${op ? `before answering "${op}"` : 'while no request was waiting'}${log.tail()}`)
        })
        stop = async (graceful, ms) => {
          closing = true
          if (graceful) {
            stream.end()
            let timer: NodeJS.Timeout | undefined
            await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
            clearTimeout(timer)
          }
          stream.destroy()
          await started.stop({ timeout: 0 }).catch(() => undefined)
        }
      },
      send(request) {
        if (inner) return inner.send(request)
        if (channel) return channel.send(request)
        return Promise.reject(new HarnessError('ERR_DRIVER_CRASH', 'the client container was not started'))
      },
      async close(graceful, ms) {
        await inner?.close(graceful, ms)
        await stop?.(graceful, ms)
      },
      log: () => log.text(),
    }
  }

  return { prepare: async () => (await prepare()).check, driver: () => wireDriver(transport()) }
}

/** A driver for one scenario of a client image (prefer `containerClient` to share the engine check across a run). */
export function containerDriver(options: ContainerDriverOptions): WireDriver {
  return containerClient(options).driver()
}
