import Table from 'cli-table3'
import pc from 'picocolors'
import type { RunReport, ScenarioResult } from '../reports/schema.ts'
import type { Scenario } from './scenario.ts'
import type { Status } from '../model/verdict.ts'

const COLOR: Record<Status, (s: string) => string> = {
  PASS: pc.green,
  FAIL: pc.red,
  WARN: pc.yellow,
  SKIP: pc.dim,
  INCONCLUSIVE: pc.cyan,
  ERROR: pc.magenta,
}

/** Where the console reporter writes (stdout by default). */
export type Write = (line: string) => void

/** Live progress: one line per finished scenario with n/N, verdict, family, id and duration. */
export function progressLine(result: ScenarioResult, index: number, total: number): string {
  const n = String(index + 1).padStart(String(total).length)
  return `[${n}/${total}] ${COLOR[result.verdict](result.verdict.padEnd(5))} ${result.family.padEnd(7)} ${result.id.padEnd(34)} ${pc.dim(`${result.durationMs} ms`)}`
}

export function runHeader(clientName: string, driver: string, scenarios: readonly Scenario[]): string {
  return pc.bold(`atproto-oauth-conformance — client ${clientName} (${driver}), ${scenarios.length} scenario(s)`)
}

/**
 * The plain closing line CI systems read: `N passed, N failed, N skipped` (WARN counts as passed, ERROR as
 * failed), then `, N inconclusive` when there are any.
 */
export function closingLine(report: RunReport): string {
  const t = report.totals
  const inconclusive = t.INCONCLUSIVE ? `, ${t.INCONCLUSIVE} inconclusive` : ''
  return `${t.PASS + t.WARN} passed, ${t.FAIL + t.ERROR} failed, ${t.SKIP} skipped${inconclusive}`
}

/** The final table grouped by family, then every non-passing check with what to fix. */
export function summary(report: RunReport): string {
  const families = new Map<string, Record<Status, number>>()
  for (const s of report.scenarios) {
    const row = families.get(s.family) ?? { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0 }
    row[s.verdict]++
    families.set(s.family, row)
  }
  const table = new Table({ head: ['family', 'PASS', 'FAIL', 'WARN', 'SKIP', 'INCONCLUSIVE', 'ERROR'], style: { head: [], border: [] } })
  for (const [family, row] of families) {
    table.push([family, row.PASS, row.FAIL ? pc.red(String(row.FAIL)) : 0, row.WARN, row.SKIP, row.INCONCLUSIVE ? pc.cyan(String(row.INCONCLUSIVE)) : 0, row.ERROR ? pc.magenta(String(row.ERROR)) : 0])
  }
  const lines = ['', table.toString()]
  const problems = report.scenarios.flatMap((s) =>
    s.checks.filter((c) => c.status === 'FAIL' || c.status === 'ERROR' || c.status === 'WARN' || c.status === 'INCONCLUSIVE').map((c) => ({ s, c })),
  )
  if (problems.length > 0) lines.push('', pc.bold('Findings:'))
  for (const { s, c } of problems) {
    lines.push(`  ${COLOR[c.status](c.status)} ${s.id} › ${c.checkId}  ${c.requirement.id} ${c.requirement.level}  ${c.title}`)
    if (c.expected) lines.push(`      expected: ${c.expected}`)
    if (c.observed) lines.push(`      observed: ${c.observed}`)
    if (c.reason) lines.push(`      reason:   ${c.reason}`)
    if (c.evidence.length > 0) lines.push(pc.dim(`      transcript: ${c.evidence.join(' ')}`))
  }
  const t = report.totals
  lines.push('', `${closingLine(report)}`)
  lines.push(pc.dim(`(${t.WARN} with warnings, ${t.ERROR} errors; ${(report.durationMs / 1000).toFixed(2)} s)`))
  return lines.join('\n')
}
