import { readFile } from 'node:fs/promises'
import { HarnessError } from '../../protocol/errors.ts'
import { parseDeclaration, type BffDeclaration } from './declaration.ts'
import type { BffTarget } from './runner.ts'

/**
 * A JS backend run in this process: `start` listens on a loopback port and returns the declaration. A fresh
 * instance per scenario, so no state crosses scenarios.
 */
export function inProcessBackend(
  name: string,
  start: () => Promise<{ declaration: BffDeclaration; close(): Promise<void> }>,
): BffTarget {
  return { name, driverKind: 'in-process', start }
}

/**
 * A backend that is already running, in any language: the harness only reads its declaration and speaks
 * HTTP to it; the backend resets itself on each `POST <setup>`.
 */
export function runningBackend(declaration: BffDeclaration): BffTarget {
  const d = parseDeclaration(declaration)
  return { name: d.name, driverKind: 'http', start: async () => ({ declaration: d, close: async () => undefined }) }
}

/** Reads a declaration file (JSON) for `runningBackend`; `baseUrl` may be overridden (e.g. a port chosen at start). */
export async function readDeclaration(file: string, baseUrl?: string): Promise<BffDeclaration> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `${file}: not a readable JSON declaration (${(err as Error).message})`)
  }
  return parseDeclaration(baseUrl ? { ...(raw as object), baseUrl } : raw)
}
