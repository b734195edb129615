/**
 * The interop matrix page, docs/interop.md.
 *
 *   npx tsx scripts/interop.ts                 rewrite the page from the clients' committed expectations (fast)
 *   npx tsx scripts/interop.ts --check         run every bundled client in every configuration it supports and
 *                                              compare with the expectations (slow; exit 1 on a difference)
 *   npx tsx scripts/interop.ts --check --client atcute-node    only these clients (ids of scripts/interop-clients.ts)
 *
 * The clients are listed in scripts/interop-clients.ts; the page is rendered by scripts/interop-page.ts.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runSuite } from '../harness/runner.ts'
import type { RunReport } from '../reports/schema.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { INTEROP_CLIENTS } from './interop-clients.ts'
import { configurations, expectedOutcomes, loadClient, renderInteropPage, type Outcome } from './interop-page.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PAGE = 'docs/interop.md'

/** Each scenario's verdict and its checks that are neither PASS nor SKIP, as the expectations files list them. */
function observed(report: RunReport): Record<string, Outcome> {
  return Object.fromEntries(
    report.scenarios.map((r) => [r.id, { verdict: r.verdict, checks: r.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId) }]),
  )
}

async function check(ids: string[] | undefined): Promise<number> {
  const unknown = ids?.filter((id) => !INTEROP_CLIENTS.some((c) => c.id === id)) ?? []
  if (unknown.length) {
    console.error(`error: unknown client ${unknown.join(', ')} (known: ${INTEROP_CLIENTS.map((c) => c.id).join(', ')})`)
    return 2
  }
  let differences = 0
  for (const loaded of INTEROP_CLIENTS.filter((c) => !ids || ids.includes(c.id)).map((c) => loadClient(c, SCENARIOS, ROOT))) {
    const { client } = loaded
    if (!('expectations' in loaded)) {
      console.log(`${client.id}: planned, not bundled yet`)
      continue
    }
    const unavailable = await client.unavailable?.()
    if (unavailable) {
      console.log(`${client.id}: skipped (${unavailable})`)
      continue
    }
    for (const config of configurations(client)) {
      const started = Date.now()
      const opened = await client.open()
      const report = await runSuite({
        scenarios: SCENARIOS,
        driver: opened.driver,
        driverKind: opened.driverKind,
        clientName: client.id,
        topology: config.topology,
        https: config.transport === 'https',
        concurrency: 2,
      }).finally(() => opened.close())
      const got = observed(report)
      const want = expectedOutcomes(loaded.expectations, SCENARIOS, config)
      const wrong = SCENARIOS.filter((s) => JSON.stringify(got[s.id]) !== JSON.stringify(want[s.id]))
      differences += wrong.length
      console.log(`${client.id} ${config.topology} ${config.transport}: ${wrong.length ? `${wrong.length} difference(s)` : 'as expected'} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
      for (const s of wrong) console.log(`  ${s.id}: expected ${JSON.stringify(want[s.id])}, observed ${JSON.stringify(got[s.id])}`)
    }
  }
  return differences ? 1 : 0
}

const args = process.argv.slice(2)
if (args.includes('--check')) {
  const at = args.indexOf('--client')
  const ids = at >= 0 ? args.slice(at + 1).filter((a) => !a.startsWith('--')) : undefined
  process.exitCode = await check(ids)
} else {
  const page = renderInteropPage(INTEROP_CLIENTS.map((c) => loadClient(c, SCENARIOS, ROOT)), SCENARIOS)
  writeFileSync(new URL(`../${PAGE}`, import.meta.url), page)
  console.log(`${PAGE} written`)
}
// A client's timers must not hold the script open once it is done (as the CLI).
process.exit()
