/**
 * `npm run matrix`: the detection matrix. Runs every scenario against the official client, the clean minimal
 * client and each flawed variant of it; prints which flaws each scenario catches and writes
 * conformance-report/matrix.json. `--update` rewrites scenarios/detection-matrix.json, the committed list of
 * (scenario, flaw, checks) kills that `npm test` re-verifies. `--bff` runs the BFF family's matrix instead
 * (scripts/matrix-bff.ts).
 *
 * `--scenario <id>` and `--flaw <name>` (each repeatable) run a part of it: those scenarios (all when none is
 * named) against those flaws (all when none is named). With `--update` the cells run replace theirs in the
 * committed file and every other entry stays as it was, so a new scenario or flaw is added without a full run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import Table from 'cli-table3'
import { officialNodeClient } from '../examples/clients/official-node/adapter.ts'
import { atcuteNodeClient } from '../examples/clients/atcute-node/adapter.ts'
import createMinimalClient from '../examples/clients/minimal/index.ts'
import { FLAW_NAMES, type Flaw } from '../examples/clients/minimal/flaws.ts'
import { detected, runMatrix, type Variant } from '../harness/matrix.ts'
import { SCENARIOS } from '../scenarios/index.ts'

// `--bff`: the BFF family's own matrix (the example backend and its flaws), scripts/matrix-bff.ts.
if (process.argv.includes('--bff')) {
  await import('./matrix-bff.ts')
  process.exit(process.exitCode ?? 0)
}
const update = process.argv.includes('--update')
/** The values of a repeatable option (`--flag value`). */
const values = (flag: string) => process.argv.flatMap((arg, i) => (process.argv[i - 1] === flag ? [arg] : []))
const namedScenarios = values('--scenario')
const namedFlaws = values('--flaw')
const unknown = [
  ...namedScenarios.filter((id) => !SCENARIOS.some((s) => s.id === id)).map((id) => `scenario "${id}"`),
  ...namedFlaws.filter((f) => !(FLAW_NAMES as string[]).includes(f)).map((f) => `flaw "${f}"`),
]
if (unknown.length > 0) {
  console.error(`error: unknown ${unknown.join(', ')}`)
  process.exit(2)
}
const partial = namedScenarios.length > 0 || namedFlaws.length > 0
const scenarios = namedScenarios.length ? SCENARIOS.filter((s) => namedScenarios.includes(s.id)) : SCENARIOS
const flaws = namedFlaws.length ? FLAW_NAMES.filter((f) => namedFlaws.includes(f)) : FLAW_NAMES
// Only flaws named: the other clients' verdicts on every scenario are not what is being added, so they are left out
// (the clean minimal client stays: every kill rests on it passing).
const flawsOnly = namedFlaws.length > 0 && namedScenarios.length === 0
const variants: Variant[] = [
  ...(flawsOnly ? [] : [{ name: 'official', driver: () => officialNodeClient() }]),
  { name: 'minimal', driver: () => createMinimalClient() },
  // An independent client library (https only: the runner gives it https Worlds); reported, not used for kills.
  ...(flawsOnly ? [] : [{ name: 'atcute', driver: () => atcuteNodeClient() }]),
  ...flaws.map((flaw) => ({ name: `minimal:${flaw}`, driver: () => createMinimalClient({ flaw }) })),
]
const started = Date.now()
const matrix = await runMatrix(scenarios, variants, {
  onVariant: (name, i, n) => process.stdout.write(`\r[${i + 1}/${n}] ${name.padEnd(50)}`),
})
process.stdout.write('\n')

// A partial run starts from the committed kills and replaces only the cells it ran.
const committedFile = new URL('../scenarios/detection-matrix.json', import.meta.url)
const committed = partial ? (JSON.parse(readFileSync(committedFile, 'utf8')) as { kills: Record<string, Record<string, string[]>> }).kills : {}
const kills: Record<string, Record<string, string[]>> = {}
const table = new Table({ head: ['scenario', 'official', 'atcute', 'minimal', 'caught by flaws'], style: { head: [], border: [] } })
for (const s of SCENARIOS) {
  const row = matrix[s.id]
  const ran = (f: string) => !!row && flaws.includes(f as (typeof flaws)[number])
  // The committed order first (a partial update then changes only the cells it ran), new kills after it.
  const order = [...new Set([...Object.keys(committed[s.id] ?? {}).filter((f) => (FLAW_NAMES as string[]).includes(f)), ...FLAW_NAMES])] as Flaw[]
  const killers = order.filter((f) => (ran(f) ? detected(row![`minimal:${f}`]) : !!committed[s.id]?.[f]))
  kills[s.id] = Object.fromEntries(killers.map((f) => [f, ran(f) ? row![`minimal:${f}`]!.failing : committed[s.id]![f]!]))
  if (row) table.push([s.id, row.official?.verdict ?? '-', row.atcute?.verdict ?? '-', row.minimal!.verdict, killers.filter(ran).join(' ') || '(none)'])
}
console.log(table.toString())
const uncaught = scenarios.filter((s) => Object.keys(kills[s.id]!).length === 0).map((s) => s.id)
const idleFlaws = flaws.filter((f) => !SCENARIOS.some((s) => kills[s.id]![f]))
const cleanProblems = scenarios.filter((s) => matrix[s.id]!.minimal!.verdict !== 'PASS').map((s) => s.id)
console.log(`${scenarios.length} scenarios × ${variants.length} variants in ${((Date.now() - started) / 1000).toFixed(1)} s`)
if (partial) {
  // What the partial run changed against the committed file, cell by cell.
  const changed = SCENARIOS.flatMap((s) =>
    FLAW_NAMES.filter((f) => JSON.stringify(kills[s.id]![f]) !== JSON.stringify(committed[s.id]?.[f])).map(
      (f) => `${s.id} × ${f}: ${JSON.stringify(committed[s.id]?.[f] ?? null)} → ${JSON.stringify(kills[s.id]![f] ?? null)}`,
    ),
  )
  console.log(`changed against the committed matrix: ${changed.length ? `\n  ${changed.join('\n  ')}` : 'nothing'}`)
}
console.log(`scenarios no flaw kills: ${uncaught.join(', ') || 'none'}`)
console.log(`flaws no scenario catches: ${idleFlaws.join(', ') || 'none'}`)
console.log(`clean minimal client not PASS: ${cleanProblems.join(', ') || 'none'}`)
mkdirSync('conformance-report', { recursive: true })
writeFileSync('conformance-report/matrix.json', `${JSON.stringify(matrix, null, 2)}\n`)
console.log('matrix written to conformance-report/matrix.json')
if (update) {
  writeFileSync(
    committedFile,
    `${JSON.stringify({ note: 'Generated by `npm run matrix -- --update`: for each scenario, the flaws of examples/clients/minimal it catches and the checks that catch them.', kills }, null, 2)}\n`,
  )
  console.log('scenarios/detection-matrix.json updated')
}
// Exit now: a client under test may leave timers behind (e.g. a session refresh scheduled for later).
process.exit(uncaught.length || cleanProblems.length ? 1 : 0)
