import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HarnessError } from '../protocol/errors.ts'
import type { Driver } from './drivers/types.ts'

/** What a client module exports by default: a factory that makes one driver per scenario. */
export type ClientModuleFactory = (options: Record<string, string>) => Driver | Promise<Driver>

/** Bundled clients that `--client` accepts by name. */
export const BUNDLED_CLIENTS: Record<string, string> = {
  official: '../examples/clients/official-node/index.ts',
  minimal: '../examples/clients/minimal/index.ts',
  atcute: '../examples/clients/atcute-node/index.ts',
}

/** Loads `--client <name|module>`: a bundled client name, or a path to a module whose default export is a factory. */
export async function loadClient(spec: string): Promise<ClientModuleFactory> {
  const bundled = BUNDLED_CLIENTS[spec]
  let url: string
  if (bundled) url = new URL(bundled, import.meta.url).href
  else {
    const path = resolve(spec)
    if (!existsSync(path)) {
      throw new HarnessError(
        'ERR_CONFIG',
        `--client ${spec}: no such file, and not a bundled client (${Object.keys(BUNDLED_CLIENTS).join(', ')})`,
      )
    }
    url = pathToFileURL(path).href
  }
  let mod: { default?: unknown }
  try {
    mod = (await import(url)) as { default?: unknown }
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `--client ${spec}: the module failed to load: ${(err as Error).message}`)
  }
  if (typeof mod.default !== 'function') {
    throw new HarnessError('ERR_CONFIG', `--client ${spec}: the module must export a default factory (options) => Driver`)
  }
  return mod.default as ClientModuleFactory
}
