import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HarnessError } from '../protocol/errors.ts'
import type { Driver } from './drivers/types.ts'

/** What a client module exports by default: a factory that makes one driver per scenario. */
export type ClientModuleFactory = (options: Record<string, string>) => Driver | Promise<Driver>

/** A client `--client` accepts by name, and the packages it needs in the user's project (optional peers). */
export interface BundledClient {
  /** Its adapter, relative to this folder, without the extension (.ts in the sources, .js in the build). */
  module: string
  /** Exact `npm install` arguments for the client library it wraps. */
  packages: readonly string[]
}

/** Bundled clients that `--client` accepts by name. */
export const BUNDLED_CLIENTS: Record<string, BundledClient> = {
  official: { module: '../examples/clients/official-node/adapter', packages: ['@atproto/oauth-client-node@0.5.3'] },
  minimal: { module: '../examples/clients/minimal/adapter', packages: [] },
  atcute: {
    module: '../examples/clients/atcute-node/adapter',
    packages: ['@atcute/oauth-node-client@2.0.1', '@atcute/identity-resolver@2.0.2', '@atcute/identity-resolver-node@2.0.1', '@atcute/client@5.1.2'],
  },
}

/** This module's own extension: the sources run as .ts (through tsx, in a checkout), the package as built .js. */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const TYPESCRIPT = /\.[cm]?ts$/

/** Loads `--client <name|module>`: a bundled client name, or a path to a module whose default export is a factory. */
export async function loadClient(spec: string): Promise<ClientModuleFactory> {
  const bundled = BUNDLED_CLIENTS[spec]
  const url = bundled ? new URL(bundled.module + OWN_EXTENSION, import.meta.url).href : localModule(spec)
  let mod: Record<string, unknown>
  try {
    mod = await importModule(url)
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `--client ${spec}: ${describeLoadError(err, bundled)}`)
  }
  const factory = defaultFactory(mod)
  if (typeof factory !== 'function') throw new HarnessError('ERR_CONFIG', `--client ${spec}: ${missingDefault(mod)}`)
  return factory as ClientModuleFactory
}

function localModule(spec: string): string {
  const path = resolve(spec)
  if (!existsSync(path)) {
    throw new HarnessError('ERR_CONFIG', `--client ${spec}: no such file, and not a bundled client (${Object.keys(BUNDLED_CLIENTS).join(', ')})`)
  }
  return pathToFileURL(path).href
}

/**
 * JavaScript (.js/.mjs/.cjs) loads through Node itself, CommonJS or ESM as the user's package.json says.
 * TypeScript (.ts/.mts/.cts) loads through tsx, imported only then: the harness itself never needs a loader.
 * Under tsx already (the sources in a checkout, a user's `tsx` run) or under vitest, import() handles it.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.test(new URL(url).pathname) && !typeScriptLoaded()) {
    const { tsImport } = await import('tsx/esm/api')
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>
  }
  return (await import(url)) as Record<string, unknown>
}

/** True when this process already runs TypeScript modules: this file is TypeScript, so something compiles it. */
function typeScriptLoaded(): boolean {
  return OWN_EXTENSION === '.ts'
}

/**
 * The factory of a loaded module. A CommonJS module's `default` is its `module.exports`: the factory itself
 * (`module.exports = factory`), or, compiled from `export default` (TypeScript, Babel), an object holding it
 * under `default`.
 */
function defaultFactory(mod: Record<string, unknown>): unknown {
  let value = mod.default
  for (let i = 0; i < 2 && value !== null && typeof value === 'object' && 'default' in value; i++) value = (value as { default: unknown }).default
  return value
}

function missingDefault(mod: Record<string, unknown>): string {
  const named = Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports')
  const functions = named.filter((k) => typeof mod[k] === 'function')
  const found = named.length ? `it exports ${named.join(', ')} but no default` : 'it has no default export'
  const fix =
    functions.length === 1
      ? `add \`export default ${functions[0]}\` (CommonJS: \`module.exports = ${functions[0]}\`) if ${functions[0]} is the factory`
      : 'add `export default function createClient(options) { return driver }` (CommonJS: `module.exports = createClient`)'
  return `the module must export a default factory (options) => Driver; ${found}. Fix: ${fix} (docs/in-process-driver.md)`
}

/** Where a module's own code threw: the first stack frame outside node's internals and the harness. */
function origin(err: Error): string | undefined {
  const frames = (err.stack ?? '').split('\n').slice(1)
  const frame = frames.find((f) => !/node:internal|[\\/]tsx[\\/]|[\\/]atproto-oauth-conformance[\\/]|[\\/]harness[\\/]load-client/.test(f))
  return frame?.trim().replace(/^at\s+/, '')
}

/** Node 20 cannot load undici 8 (it needs Node 22.19); @atproto-labs/fetch-node imports it on every Node. */
const UNDICI_FIX = 'npm install undici_v8@npm:undici@8.0.2'

/**
 * The real cause of a load failure and its fix, in one line: a syntax error with its place, a missing package
 * with the exact install command, a module that threw while it loaded with the frame where it did.
 */
export function describeLoadError(error: unknown, bundled?: BundledClient): string {
  const err = error instanceof Error ? error : new Error(String(error))
  const code = (err as NodeJS.ErrnoException).code
  const message = err.message.split('\n')[0]!
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(err.message)
  if (missing && (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === undefined)) {
    const name = missing[1]!
    if (name.startsWith('.') || name.startsWith('/') || name.startsWith('file:')) {
      return `the module imports a file that does not exist: ${message}. Fix: correct the import path (with its extension in ESM)`
    }
    const pkg = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!
    const exact = bundled?.packages.find((p) => p.slice(0, p.lastIndexOf('@')) === pkg)
    const install = exact ? `npm install --save-dev ${bundled!.packages.join(' ')}` : `npm install --save-dev ${pkg}`
    return `the package ${pkg} is not installed (${message}). Fix: ${install}`
  }
  const stack = err.stack ?? ''
  if (/[\\/]node_modules[\\/]undici(?:_v\d+)?[\\/]/.test(stack) && Number(process.versions.node.split('.')[0]) < 22) {
    return `undici does not load on Node ${process.versions.node} (${message}): the undici 8 that @atproto-labs/fetch-node imports needs Node 22.19. Fix: ${UNDICI_FIX} (docs/packaging.md), or use Node 22 or later`
  }
  if (err.name === 'SyntaxError' || /Transform failed|Expected .* but found|Unexpected /.test(message)) {
    const where = /^(?:file:\/\/)?(\/[^\s:]+:\d+)/m.exec(stack)?.[1] ?? origin(err)
    return `the module has a syntax error: ${oneLine(err.message)}${where && !err.message.includes(where) ? ` (at ${where})` : ''}. Fix: correct the syntax`
  }
  const where = origin(err)
  return `the module threw while loading: ${err.name}: ${message}${where ? ` (at ${where})` : ''}. Fix: the error is in the module or in what it imports`
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
