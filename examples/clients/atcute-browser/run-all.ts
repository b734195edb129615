/**
 * `npx tsx examples/clients/atcute-browser/run-all.ts [--update] [--scenario id,id]`: the whole catalog against
 * the @atcute browser SPA in Chromium, in both topologies (the browser driver speaks loopback http only). Prints
 * every scenario that is not PASS with its failing checks and the difference from expectations.json;
 * `--update` rewrites the `scenarios` of expectations.json from the run (the `why` of kept entries stays).
 * Exit 1 when the run differs from the expectations or has an ERROR.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { browserUnavailable, openBrowserClient } from '../../../harness/drivers/browser.ts'
import { runSuite } from '../../../harness/runner.ts'
import type { Topology } from '../../../harness/world.ts'
import type { RunReport } from '../../../reports/schema.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import { startAtcuteSpaServer } from './server.ts'

export const TOPOLOGIES: readonly Topology[] = ['entryway', 'self-hosted']
const EXPECTATIONS = new URL('./expectations.json', import.meta.url)

export interface Expectation {
  verdict: string
  checks: string[]
  /** The entry holds in these topologies only; elsewhere the scenario PASSes, or gets `otherwise`. */
  topologies?: Topology[]
  otherwise?: { verdict: string; checks: string[] }
  why?: string
}
export interface Expectations {
  client: string
  note: string
  scenarios: Record<string, Expectation>
}

export const readExpectations = (): Expectations => JSON.parse(readFileSync(EXPECTATIONS, 'utf8')) as Expectations

/** Each scenario's verdict and the ids of its checks that are neither PASS nor SKIP. */
export function observed(report: RunReport): Record<string, { verdict: string; checks: string[] }> {
  return Object.fromEntries(
    report.scenarios.map((r) => [r.id, { verdict: r.verdict, checks: r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId) }]),
  )
}

/** What expectations.json says the scenarios `ids` get in `topology` (PASS for every scenario it does not list). */
export function wanted(expectations: Expectations, ids: readonly string[], topology: Topology): Record<string, { verdict: string; checks: string[] }> {
  return Object.fromEntries(
    ids.map((id) => {
      const e = expectations.scenarios[id]
      const applies = e && (!e.topologies || e.topologies.includes(topology))
      return [id, applies ? { verdict: e.verdict, checks: e.checks } : (e?.otherwise ?? { verdict: 'PASS', checks: [] })]
    }),
  )
}

/** Runs `ids` against the SPA in one topology: one SPA server, one Chromium. */
export async function runAtcuteBrowser(ids: readonly string[], topology: Topology, concurrency = 2): Promise<RunReport> {
  const server = await startAtcuteSpaServer()
  const client = await openBrowserClient(server.url)
  try {
    const scenarios = ids.map((id) => SCENARIOS.find((s) => s.id === id) ?? raise(`no scenario ${id}`))
    return await runSuite({ scenarios, driver: () => client.driver(), clientName: 'atcute-browser', driverKind: 'browser', concurrency, topology })
  } finally {
    await client.close()
    await server.close()
  }
}

function raise(message: string): never {
  throw new Error(message)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const missing = browserUnavailable()
  if (missing) {
    console.error(missing)
    process.exit(2)
  }
  const only = process.argv.indexOf('--scenario')
  const ids = only > 0 ? process.argv[only + 1]!.split(',') : SCENARIOS.map((s) => s.id)
  const expectations = readExpectations()
  const seen: Record<Topology, Record<string, { verdict: string; checks: string[] }>> = { entryway: {}, 'self-hosted': {} }
  let differs = false
  for (const topology of TOPOLOGIES) {
    const started = Date.now()
    const report = await runAtcuteBrowser(ids, topology)
    seen[topology] = observed(report)
    const want = wanted(expectations, ids, topology)
    console.log(`${topology}: ${ids.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(report.totals)}`)
    for (const r of report.scenarios) {
      const got = seen[topology][r.id]!
      const same = JSON.stringify(got) === JSON.stringify(want[r.id])
      if (!same) differs = true
      if (got.verdict === 'PASS' && same) continue
      const detail = r.reason ?? r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => `${c.checkId} ${c.status}: ${c.observed ?? c.reason ?? ''}`).join(' | ')
      console.log(`  ${same ? ' ' : '≠'} ${r.id} ${got.verdict} ${detail}`)
    }
    if (report.totals.ERROR) differs = true
  }
  if (process.argv.includes('--update')) {
    const scenarios: Record<string, Expectation> = {}
    for (const id of SCENARIOS.map((s) => s.id)) {
      const per = TOPOLOGIES.map((t) => seen[t][id] ?? wanted(expectations, [id], t)[id]!)
      const [a, b] = per.map((p) => JSON.stringify(p))
      const kept = expectations.scenarios[id]
      const entry = (v: { verdict: string; checks: string[] }, topologies?: Topology[], otherwise?: Expectation['otherwise']): Expectation => ({
        verdict: v.verdict,
        checks: v.checks,
        ...(topologies ? { topologies } : {}),
        ...(otherwise && otherwise.verdict !== 'PASS' ? { otherwise } : {}),
        why: kept?.why ?? 'TODO',
      })
      if (a === b) {
        if (per[0]!.verdict !== 'PASS') scenarios[id] = entry(per[0]!)
      } else if (per[0]!.verdict !== 'PASS') scenarios[id] = entry(per[0]!, ['entryway'], per[1])
      else scenarios[id] = entry(per[1]!, ['self-hosted'])
    }
    writeFileSync(EXPECTATIONS, `${JSON.stringify({ ...expectations, scenarios }, null, 2)}\n`)
    console.log('expectations.json updated')
  }
  process.exit(differs ? 1 : 0)
}
