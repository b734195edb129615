import Table from 'cli-table3'
import pc from 'picocolors'
import type { RunReport, ScenarioResult } from '../reports/schema.ts'
import type { Scenario } from './scenario.ts'
import type { Status } from '../model/verdict.ts'
import { oneLine } from '../model/text.ts'

const COLOR: Record<Status, (s: string) => string> = {
  PASS: pc.green,
  FAIL: pc.red,
  WARN: pc.yellow,
  SKIP: pc.dim,
  INCONCLUSIVE: pc.cyan,
  ERROR: pc.magenta,
}

/**
 * The one console escape: text from a report (a client's name, check texts that quote what the client sent) on
 * one line, with terminal escape sequences removed and control characters shown as escapes. Every line the
 * console writes starts with the harness's own text, so a client can never start one (GitHub Actions runs
 * `::add-mask::` and `::error::` found at a line's start), nor recolour or retitle the terminal.
 */
export function consoleText(value: unknown): string {
  return oneLine(String(value))
}
const ct = consoleText

/** Where the console reporter writes (stdout by default). */
export type Write = (line: string) => void

/** Live progress: one line per finished scenario with n/N, verdict, family, id and duration. */
export function progressLine(result: ScenarioResult, index: number, total: number): string {
  const n = String(index + 1).padStart(String(total).length)
  return `[${n}/${total}] ${COLOR[result.verdict](result.verdict.padEnd(5))} ${ct(result.family).padEnd(7)} ${ct(result.id).padEnd(34)} ${pc.dim(`${result.durationMs} ms`)}`
}

export function runHeader(clientName: string, driver: string, scenarios: readonly Scenario[]): string {
  return pc.bold(`atproto-oauth-conformance — client ${ct(clientName)} (${ct(driver)}), ${scenarios.length} scenario(s)`)
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

/** Console lines stay readable: a check text longer than this is cut (report.html has it whole). */
const MAX_CONSOLE_TEXT = 2000
const cut = (text: string) => (text.length > MAX_CONSOLE_TEXT ? `${text.slice(0, MAX_CONSOLE_TEXT)}… (cut; see report.html)` : text)

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
    table.push([ct(family), row.PASS, row.FAIL ? pc.red(String(row.FAIL)) : 0, row.WARN, row.SKIP, row.INCONCLUSIVE ? pc.cyan(String(row.INCONCLUSIVE)) : 0, row.ERROR ? pc.magenta(String(row.ERROR)) : 0])
  }
  const lines = ['', table.toString()]
  const problems = report.scenarios.flatMap((s) =>
    s.checks.filter((c) => c.status === 'FAIL' || c.status === 'ERROR' || c.status === 'WARN' || c.status === 'INCONCLUSIVE').map((c) => ({ s, c })),
  )
  if (problems.length > 0) lines.push('', pc.bold('Findings:'))
  for (const { s, c } of problems) {
    const status = c.baselined ? pc.dim(`known ${c.status}`) : COLOR[c.status](c.status)
    lines.push(`  ${status} ${ct(s.id)} › ${ct(c.checkId)}  ${ct(c.requirement.id)} ${ct(c.requirement.level)}  ${ct(c.title)}`)
    if (c.expected) lines.push(`      expected: ${ct(cut(c.expected))}`)
    if (c.observed) lines.push(`      observed: ${ct(cut(c.observed))}`)
    if (c.reason) lines.push(`      reason:   ${ct(cut(c.reason))}`)
    if (c.evidence.length > 0) lines.push(pc.dim(`      transcript: ${ct(c.evidence.join(' '))}`))
    if (c.fix !== undefined && (c.status === 'FAIL' || c.status === 'WARN')) lines.push(`      fix:      ${ct(cut(c.fix))}`)
  }
  const t = report.totals
  lines.push('', `${closingLine(report)}`)
  lines.push(pc.dim(`(${t.WARN} with warnings, ${t.ERROR} errors; ${(report.durationMs / 1000).toFixed(2)} s)`))
  return lines.join('\n')
}
