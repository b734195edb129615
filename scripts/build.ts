/**
 * `npm run build` (and `npm pack`, through prepack): the published package. tsc compiles the runtime folders to
 * JavaScript and declaration files in dist/ (tsconfig.build.json, the same layout as the sources, relative
 * .ts imports rewritten to .js); the files the code reads at run time (JSON catalogs, the schema, the SPA's
 * page and sources, which esbuild bundles when the browser driver starts) are copied next to it. That is the
 * library (`import … from 'atproto-oauth-conformance'`, the adapters, the vitest helper).
 *
 * The CLI is bundled on top of it by esbuild into dist/cli/ (one chunk per command, so each still loads only
 * what it needs), its dependencies inside: a cold `serve` then reads a few files instead of some 250
 * modules (docs/packaging.md, "Cold start"). dist/cli/ sits one level under dist/ like dist/harness/, so the
 * paths the code builds from import.meta.url (`../scenarios/…`, `../reports/…`) land on the same files. What a
 * user installs beside it stays outside the bundle: the clients under test and the tools loaded on demand.
 */
import { spawnSync } from 'node:child_process'
import { build } from 'esbuild'
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist')
const FOLDERS = ['model', 'protocol', 'mock-as', 'mock-pds', 'harness', 'scenarios', 'reports', 'examples/clients']
/** Read at run time by path, not imported: they are not in tsc's output. */
const ASSET = /\.(json|html|txt)$/
/** The browser SPA is bundled from its TypeScript sources when the browser driver starts. */
const SOURCES_KEPT = /^examples\/clients\/browser-spa\/[^/]+\.ts$/
const SKIPPED = /(^|\/)(node_modules|dist)(\/|$)|\.test\.ts$|(^|\/)package\.json$/

rmSync(OUT, { recursive: true, force: true })
const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' })
if (tsc.status !== 0) process.exit(tsc.status ?? 1)

let copied = 0
function copyAssets(dir: string): void {
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`
    if (SKIPPED.test(path)) continue
    if (statSync(join(ROOT, path)).isDirectory()) copyAssets(path)
    else if (ASSET.test(name) || SOURCES_KEPT.test(path)) {
      cpSync(join(ROOT, path), join(OUT, path))
      copied++
    }
  }
}
for (const folder of FOLDERS) copyAssets(folder)

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }
const cli = await build({
  entryPoints: [join(ROOT, 'harness/cli.ts')],
  outdir: join(OUT, 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  metafile: true,
  logLevel: 'warning',
  // The clients under test and their peers, the TypeScript loader for adapters, the SPA bundler: the user's own.
  external: [...Object.keys(pkg.peerDependencies), 'tsx', 'esbuild'],
  // express and friends are CommonJS and require() node built-ins.
  banner: { js: "import { createRequire as __aocRequire } from 'node:module'; const require = __aocRequire(import.meta.url);" },
})
const chunks = Object.keys(cli.metafile.outputs).length
console.log(`built ${relative(ROOT, OUT)}/ (${copied} assets copied; the CLI in ${chunks} chunks under ${relative(ROOT, OUT)}/cli/)`)
