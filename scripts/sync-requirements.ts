/**
 * Regenerates scenarios/requirements.json from the requirements catalog (section 1, client requirements).
 * Usage: npm run sync-requirements -- [path/to/atproto-oauth-requirements.md]
 * The project's own BFF section lives in scenarios/requirements-bff.json, which this script never touches;
 * scenarios/catalog.ts merges both at load.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const source = process.argv[2] ?? '../shared/spec/atproto-oauth-requirements.md'
const requirements: { id: string; level: string; text: string }[] = []
let inClientSection = false
for (const line of readFileSync(source, 'utf8').split('\n')) {
  if (/^### 1\.\d+ /.test(line)) inClientSection = true
  if (/^## 2\./.test(line)) inClientSection = false
  if (!inClientSection || !line.startsWith('| ')) continue
  const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim())
  if (cells.length >= 3 && /^[A-Z]+-\d\d$/.test(cells[0]!) && ['MUST', 'SHOULD', 'MAY'].includes(cells[1]!)) {
    requirements.push({ id: cells[0]!, level: cells[1]!, text: cells[2]! })
  }
}
const out = { source: 'shared/spec/atproto-oauth-requirements.md, section 1 (client requirements)', requirements }
writeFileSync(new URL('../scenarios/requirements.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`)
console.log(`${requirements.length} requirements written to scenarios/requirements.json`)
