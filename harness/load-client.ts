import { existsSync, readFileSync } from 'node:fs'
import { createRequire, register as registerLoaderHooks } from 'node:module'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { HarnessError } from '../protocol/errors.ts'
import type { Driver } from './drivers/types.ts'
import { packageFile } from '../model/package-file.ts'

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
  official: { module: 'examples/clients/official-node/adapter', packages: ['@atproto/oauth-client-node@0.5.3'] },
  minimal: { module: 'examples/clients/minimal/adapter', packages: [] },
  atcute: {
    module: 'examples/clients/atcute-node/adapter',
    packages: ['@atcute/oauth-node-client@2.0.1', '@atcute/identity-resolver@2.0.2', '@atcute/identity-resolver-node@2.0.1', '@atcute/client@5.1.2'],
  },
}

/** This module's own extension: the sources run as .ts (through tsx, in a checkout), the package as built .js. */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const TYPESCRIPT = /\.[cm]?ts$/

/** Loads `--client <name|module>`: a bundled client name, or a path to a module whose default export is a factory. */
export async function loadClient(spec: string): Promise<ClientModuleFactory> {
  const bundled = BUNDLED_CLIENTS[spec]
  const url = bundled ? packageFile(bundled.module + OWN_EXTENSION).href : localModule(spec)
  if (spec === 'official') checkUndici()
  let mod: Record<string, unknown>
  try {
    mod = await importModule(url)
  } catch (err) {
    // tsx's namespaced loader cannot run a .ts file written in CommonJS on Node 23 and later (it asks Node's
    // CommonJS loader for the file under its namespace query); one written with import/export loads (ESM_TYPESCRIPT_HOOK).
    if (/Cannot find module '[^']*\.ts\?namespace=/.test((err as Error)?.message ?? '')) {
      throw new HarnessError('ERR_CONFIG', `--client ${spec}: a .ts file written in CommonJS (require, module.exports) does not load on Node ${process.versions.node}. Fix: rename it to .cts, or write it with import/export`)
    }
    throw new HarnessError('ERR_CONFIG', `--client ${spec}: ${describeLoadError(err, bundled, fileURLToPath(url))}`)
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
    return (await (await typeScriptLoader()).import(url, import.meta.url)) as Record<string, unknown>
  }
  return (await import(url)) as Record<string, unknown>
}

/** tsx's namespaced loader: what `register({ namespace })` returns. */
interface Loader {
  import(specifier: string, parentURL: string): Promise<unknown>
}
let loader: Promise<Loader> | undefined

/**
 * tsx's ESM hooks in a namespace of their own: they compile the adapter and what it imports of the user's
 * TypeScript, and nothing else. Not `tsImport` (its CommonJS hooks resolve the ESM packages a CommonJS
 * adapter reaches with `require` conditions: "Package subpath … is not defined by exports"), nor a global
 * `register()` (a CommonJS adapter then fails with "Cannot require() ES Module … in a cycle").
 */
function typeScriptLoader(): Promise<Loader> {
  loader ??= import('tsx/esm/api').then(({ register }) => {
    const api = register({ namespace: ADAPTER_NAMESPACE })
    registerLoaderHooks(`data:text/javascript,${encodeURIComponent(ESM_TYPESCRIPT_HOOK)}`)
    return api
  })
  return loader
}

const ADAPTER_NAMESPACE = 'atproto-oauth-conformance-adapter'

/**
 * In a CommonJS project tsx compiles a .ts file to CommonJS and hands it to Node's CommonJS loader, which from
 * Node 23 on cannot find it under tsx's namespace query, and on every Node resolves what it requires without
 * tsx (`import './helper'` of a .ts file: "Cannot find module"). A .ts file written with import/export, as
 * TypeScript projects write them whatever their package type, is loaded as an ES module instead. The hook runs
 * before tsx's, for the project's own .ts files in the adapter's namespace only.
 */
const ESM_TYPESCRIPT_HOOK = `
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
const ESM_SYNTAX = /^\\s*(?:import|export)[\\s{*]/m
export async function load(url, context, nextLoad) {
  // tsx may carry its own query inside the path, encoded (Node 20): the file is what comes before either.
  let path = ''
  try { if (url.startsWith('file:')) path = fileURLToPath(url.split('?')[0]).split('?')[0] } catch {}
  if (path.endsWith('.ts') && !/[\\\\/]node_modules[\\\\/]/.test(path) && url.includes('namespace=${ADAPTER_NAMESPACE}') && context.format !== 'module') {
    let source = ''
    try { source = readFileSync(path, 'utf8') } catch {}
    if (ESM_SYNTAX.test(source)) return nextLoad(url, { ...context, format: 'module-typescript' })
  }
  return nextLoad(url, context)
}`

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
  if (!frame) return undefined
  // tsx runs a CommonJS TypeScript module from a data: URL that names the file in its filePath parameter.
  const compiled = /[?&]filePath=([^?&:\s)]+)/.exec(frame)
  const where = compiled ? decodeURIComponent(compiled[1]!) : frame.trim().replace(/^at\s+/, '')
  return where.replace(/\?namespace=[^:)\s]*/, '')
}

/** Node 20 cannot load undici 8 (it needs Node 22.19); @atproto-labs/fetch-node imports it on every Node. */
const UNDICI_FIX = 'npm install --save-dev undici_v8@npm:undici@8.0.2'

/** The version of `undici_v8` that @atproto-labs/fetch-node (under the official client) resolves, if found. */
export function fetchNodeUndici(from: string = import.meta.url): string | undefined {
  try {
    let require = createRequire(from)
    for (const pkg of ['@atproto/oauth-client-node', '@atproto-labs/handle-resolver-node', '@atproto-labs/fetch-node']) require = createRequire(require.resolve(pkg))
    return (JSON.parse(readFileSync(require.resolve('undici_v8/package.json'), 'utf8')) as { version: string }).version
  } catch {
    return undefined
  }
}

/**
 * Checked before the official client loads: on Node before 22.19 the undici 8 that npm installs for
 * @atproto-labs/fetch-node (8.0.3 or later) throws as it loads, and, as a CommonJS module inside an ESM graph,
 * crashes the process past any catch. Its undici 8 is used on Node 26 only; 8.0.2 still loads on Node 20.
 */
function checkUndici(node: string = process.versions.node): void {
  const message = undiciProblem(node, fetchNodeUndici())
  if (message) throw new HarnessError('ERR_CONFIG', `--client official: ${message}`)
}

/** Why the official client cannot load on this Node with this undici 8, or undefined when it can. */
export function undiciProblem(node: string, undici: string | undefined): string | undefined {
  if (!undici) return undefined
  const [major = 0, minor = 0] = node.split('.').map(Number)
  const [uMajor = 0, uMinor = 0, uPatch = 0] = undici.split('.').map(Number)
  const nodeTooOld = major < 22 || (major === 22 && minor < 19)
  const loadsOnOldNode = uMajor !== 8 || (uMinor === 0 && uPatch <= 2)
  if (!nodeTooOld || loadsOnOldNode) return undefined
  return `undici ${undici}, installed for @atproto-labs/fetch-node, does not load on Node ${node} (it needs Node 22.19). Fix: ${UNDICI_FIX} (docs/packaging.md), or use Node 22.19 or later`
}

/**
 * The real cause of a load failure and its fix, in one line: a syntax error with its place, a missing package
 * with the exact install command, a module that threw while it loaded with the frame where it did.
 */
export function describeLoadError(error: unknown, bundled?: BundledClient, file?: string): string {
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
    // A bundled client's library brings what its adapter imports: the exact versions this package is tested with.
    const install = `npm install --save-dev ${bundled?.packages.length ? bundled.packages.join(' ') : pkg}`
    return `the package ${pkg} is not installed (${message}). Fix: ${install}`
  }
  const stack = err.stack ?? ''
  if (/[\\/]node_modules[\\/]undici(?:_v\d+)?[\\/]/.test(stack) && Number(process.versions.node.split('.')[0]) < 23) {
    return `undici does not load on Node ${process.versions.node} (${message}). Fix: ${UNDICI_FIX} (docs/packaging.md), or use Node 22.19 or later`
  }
  if (err.name === 'SyntaxError' || /Transform failed|Expected .* but found|Unexpected /.test(message)) {
    // Node 20 names no place for a syntax error in an ES module: then the module loaded, or one it imports.
    const where = /^(?:file:\/\/)?(\/[^\s:]+:\d+)/m.exec(stack)?.[1] ?? (file ? `${file} or a module it imports` : undefined)
    return `the module has a syntax error: ${oneLine(err.message)}${where && !err.message.includes(where.split(' ')[0]!) ? ` (in ${where})` : ''}. Fix: correct the syntax`
  }
  const where = origin(err)
  return `the module threw while loading: ${err.name}: ${message}${where ? ` (at ${where})` : ''}. Fix: the error is in the module or in what it imports`
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
