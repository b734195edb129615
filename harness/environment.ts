import { request } from 'node:http'
import { HarnessError } from '../protocol/errors.ts'
import { createWorld, type WorldOptions } from './world.ts'

/**
 * The machine cannot host a World: loopback is unusable, or the mock servers cannot start. Nothing the client
 * did: the run stops with exit 2 and gives no client verdict (a report full of ERRORs would blame the client).
 */
export class EnvironmentError extends HarnessError {
  constructor(message: string, cause?: unknown) {
    super('ERR_ENVIRONMENT', message, { cause })
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err)

/** What a failed World start means for the person running the harness. */
export function worldStartError(err: unknown): EnvironmentError {
  const c = code(err)
  const hint =
    c === 'EADDRNOTAVAIL' || c === 'EAFNOSUPPORT'
      ? '127.0.0.1 is not configured here (in a container or sandbox, bring up the loopback interface)'
      : c === 'EACCES' || c === 'EPERM'
        ? 'this process may not listen on loopback ports (a sandbox or security policy forbids it)'
        : c === 'EMFILE' || c === 'ENFILE'
          ? 'the process ran out of file descriptors (raise ulimit -n, or lower --concurrency)'
          : 'the mock servers could not start'
  return new EnvironmentError(`the environment cannot host the mock servers: listening on 127.0.0.1 failed (${c}): ${hint}`, err)
}

/** One GET to `origin`, answered or not: the error code when the connection itself fails. */
function reach(origin: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(`${origin}/.well-known/atproto-did`, { method: 'GET', headers: { host: new URL(origin).host } }, (res) => {
      res.resume()
      res.on('end', () => resolve(undefined))
    })
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    req.on('error', (err) => resolve(code(err)))
    req.end()
  })
}

/**
 * Before the first scenario: starts a World and makes one request to it over loopback. Throws an
 * EnvironmentError that names the cause when either fails (listening refused, loopback down or filtered), so a
 * broken machine is reported as such, in a second, instead of as 111 client ERRORs.
 */
export async function checkEnvironment(options: Pick<WorldOptions, 'profile' | 'topology'> = {}, timeoutMs = 5000): Promise<void> {
  let world: Awaited<ReturnType<typeof createWorld>>
  try {
    world = await createWorld(options)
  } catch (err) {
    throw worldStartError(err)
  }
  try {
    const failed = await reach(world.urls.identity, timeoutMs)
    if (failed) {
      throw new EnvironmentError(
        `the environment cannot host the mock servers: a server listening on ${world.urls.identity} cannot be reached (${failed}): ` +
          'loopback is down or filtered here (in a container or sandbox, bring up the loopback interface and allow 127.0.0.1)',
      )
    }
  } finally {
    await world.close()
  }
}
