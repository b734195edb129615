/**
 * `npm run build` (and `npm pack`, through prepack): the published package. tsc compiles the runtime folders to
 * JavaScript and declaration files in dist/ (tsconfig.build.json, the same layout as the sources, relative
 * .ts imports rewritten to .js); the files the code reads at run time (JSON catalogs, the schema, the SPA's
 * page and sources, which esbuild bundles when the browser driver starts) are copied next to it.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs'
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
console.log(`built ${relative(ROOT, OUT)}/ (${copied} assets copied)`)
