import { HarnessError } from '../protocol/errors.ts'
import { externalClient, type ExternalClientFlags } from './drivers/external.ts'
import type { Driver } from './drivers/types.ts'
import type { RunReport } from '../reports/schema.ts'
import { loadClient } from './load-client.ts'

/** The client a run drives, whichever of the `--client*` flags chose it. */
export interface OpenClient {
  name: string
  kind: RunReport['client']['driver']
  /** Makes the driver of one scenario. */
  driver: () => Driver | Promise<Driver>
  /** Releases what the client holds for the whole run (the browser). */
  close(): Promise<void>
}

export interface ClientFlags extends ExternalClientFlags {
  client: string
}

/**
 * Picks the driver from the CLI flags (in-process module, process, HTTP endpoint, container or browser) and
 * checks, before the first scenario, that the client can be made at all, so a typo is one usage error.
 */
export async function openClient(flags: ClientFlags, clientGiven: boolean): Promise<OpenClient> {
  // The browser driver talks to the World on loopback http (docs/browser-driver.md).
  if (flags.clientBrowser && flags.https) throw new HarnessError('ERR_CONFIG', '--client-browser talks to the World on loopback http: drop --https')
  const external = await externalClient(flags, clientGiven)
  if (external) {
    const options = flags.clientOption ?? {}
    return { name: external.name, kind: external.kind, driver: () => external.factory(options), close: async () => {} }
  }
  if (flags.clientBrowser) {
    const browser = await (await import('./drivers/browser.ts')).openBrowserClient(flags.clientBrowser)
    return { name: `browser ${flags.clientBrowser}`, kind: 'browser', driver: () => browser.driver(), close: () => browser.close() }
  }
  const factory = await loadClient(flags.client)
  const options = flags.clientOption ?? {}
  // A factory that refuses its options (an unknown flaw…) is a usage mistake, reported before any scenario runs.
  try {
    await factory(options)
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `--client ${flags.client}: ${(err as Error).message}`)
  }
  const shown = Object.entries(options).map(([k, v]) => `${k}=${v}`).join(', ')
  return { name: shown ? `${flags.client} (${shown})` : flags.client, kind: 'in-process', driver: () => factory(options), close: async () => {} }
}
