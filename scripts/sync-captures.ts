/**
 * Vendors the reference captures (shared/spec/reference-captures) into fidelity/captures/, one minified bundle
 * per folder, so the fidelity probe and the capture tests run wherever the repository is checked out.
 * Every file keeps its name and the sha256 of the source bytes (the fidelity test compares them with the
 * source when it is next to the repository).
 *
 * Usage: npx tsx scripts/sync-captures.ts [path/to/reference-captures]
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CAPTURE_FOLDERS, bundleFileName, type CaptureBundle } from '../fidelity/captures.ts'

const source = (process.argv[2] ?? fileURLToPath(new URL('../../shared/spec/reference-captures/', import.meta.url))).replace(/\/?$/, '/')
const outDir = new URL('../fidelity/captures/', import.meta.url)
mkdirSync(outDir, { recursive: true })

let total = 0
for (const folder of CAPTURE_FOLDERS) {
  const dir = `${source}${folder}/`
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}-.*\.json$/.test(f))
    .sort()
    .map((file) => {
      const bytes = readFileSync(dir + file)
      return { file, sha256: createHash('sha256').update(bytes).digest('hex'), capture: JSON.parse(bytes.toString('utf8')) }
    })
  const bundle: CaptureBundle = { source: `shared/spec/reference-captures/${folder}`, folder, files }
  writeFileSync(new URL(bundleFileName(folder), outDir), `${JSON.stringify(bundle)}\n`)
  total += files.length
  console.log(`${folder}: ${files.length} exchanges`)
}
console.log(`${total} exchanges written to fidelity/captures/`)
