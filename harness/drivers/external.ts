/**
 * `run --client-command | --client-url | --client-image`: the client under test runs outside the harness's
 * process. This picks the driver from the flags, refuses combinations that cannot work, and checks before the
 * first scenario that the client answers at all (a hello handshake), so that a typo is one usage error, not
 * a report full of ERRORs.
 */
import { HarnessError } from '../../protocol/errors.ts'
import { containerClient } from './container.ts'
import { httpDriver, parseClientUrl } from './http.ts'
import { parseCommand, processDriver } from './process.ts'
import type { Driver } from './types.ts'
import type { WireDriver } from './wire.ts'

/** The CLI flags this module reads. */
export interface ExternalClientFlags {
  clientCommand?: string
  clientUrl?: string
  clientImage?: string
  clientBrowser?: string
  clientOption?: Record<string, string>
  https?: boolean
  /** Per operation, ms: also the limit of the hello check. */
  timeout?: number
}

export interface ExternalClient {
  kind: 'process' | 'http' | 'container'
  /** For the report and the console header. */
  name: string
  factory: (options: Record<string, string>) => Driver
}

/** hello + dispose with a limit; a hung client is killed by the dispose. */
async function probe(driver: WireDriver, flag: string, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('ERR_DRIVER_TIMEOUT', `no answer to "hello" within ${ms} ms`)), ms)
  })
  try {
    return (await Promise.race([driver.probe(), limit])).name
  } catch (err) {
    await driver.dispose()
    throw new HarnessError('ERR_CONFIG', `${flag}: the client did not complete the hello handshake: ${(err as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The external client the flags name, checked; `undefined` when none does (then `--client` applies).
 * `clientGiven`: whether `--client` was on the command line (it has a default).
 */
export async function externalClient(flags: ExternalClientFlags, clientGiven: boolean): Promise<ExternalClient | undefined> {
  const named = [
    clientGiven && '--client',
    flags.clientCommand !== undefined && '--client-command',
    flags.clientUrl !== undefined && '--client-url',
    flags.clientImage !== undefined && '--client-image',
    flags.clientBrowser !== undefined && '--client-browser',
  ].filter((f): f is string => typeof f === 'string')
  if (named.length > 1) {
    throw new HarnessError('ERR_CONFIG', `${named.join(' and ')} each name the client under test; give only one of --client, --client-command, --client-url, --client-image, --client-browser`)
  }
  const flag = named[0]
  if (flag !== '--client-command' && flag !== '--client-url' && flag !== '--client-image') return undefined
  if (flags.https) {
    // The network boundary routes the https host names inside the harness's process only; another process cannot resolve them.
    throw new HarnessError('ERR_CONFIG', `--https works with in-process clients only (the https host names exist inside the harness's process); drop --https with ${flag}`)
  }
  const options = flags.clientOption ?? {}
  const ms = flags.timeout ?? 15_000
  if (flag === '--client-image') {
    const unknown = Object.keys(options).filter((k) => k !== 'protocol' && k !== 'path')
    if (unknown.length > 0) throw new HarnessError('ERR_CONFIG', `--client-image takes --client-option protocol=stdio|http and path=/…, not ${unknown.join(', ')}`)
    if (options.protocol !== undefined && options.protocol !== 'stdio' && options.protocol !== 'http') {
      throw new HarnessError('ERR_CONFIG', `--client-option protocol=${options.protocol}: expected stdio or http`)
    }
    const image = flags.clientImage!
    const client = containerClient({ image, protocol: options.protocol as 'stdio' | 'http' | undefined, path: options.path })
    const check = await client.prepare()
    if (!check.available) console.error(`--client-image ${image}: every scenario will be skipped: ${check.reason}`)
    return { kind: 'container', name: image, factory: () => client.driver() }
  }
  if (Object.keys(options).length > 0) {
    throw new HarnessError('ERR_CONFIG', `--client-option is for --client modules and --client-image; pass options to a ${flag} client in its own command line or configuration`)
  }
  if (flag === '--client-command') {
    const command = flags.clientCommand!
    parseCommand(command)
    const name = await probe(processDriver({ command }), flag, ms)
    return { kind: 'process', name: `${name} (${command})`, factory: () => processDriver({ command }) }
  }
  const url = parseClientUrl(flags.clientUrl!)
  const name = await probe(httpDriver({ url }), flag, ms)
  return { kind: 'http', name: `${name} (${url})`, factory: () => httpDriver({ url }) }
}
