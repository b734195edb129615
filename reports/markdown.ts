import type { Status, Verdict } from '../model/verdict.ts'
import { oneLine } from '../model/text.ts'
import type { RunReport, ScenarioResult } from './schema.ts'
import { byFamily, firstLine, isKnown, isKnownFailure, NOTEWORTHY, runHeadline, staleEntries } from './view.ts'

const ICON: Record<Status, string> = { PASS: '✅', FAIL: '❌', WARN: '⚠️', SKIP: '⏭️', INCONCLUSIVE: '❔', ERROR: '💥' }
/** A FAIL or ERROR the baseline lists: shown, but not as a failure (it does not fail the run). */
const KNOWN = '🔕'

/** `❌ FAIL`, or `🔕 known FAIL` for a listed failure. */
const verdictLabel = (status: Status, known: boolean) => (known ? `${KNOWN} known ${status}` : `${ICON[status]} ${status}`)

/**
 * GitHub caps a step summary at 1 MiB: long texts are cut at MAX_TEXT characters, and findings sections stop
 * once the summary would pass MAX_BYTES (the rest is in report.html).
 */
const MAX_TEXT = 600
const MAX_BYTES = 900 * 1024

/**
 * The one Markdown escape: backslash before the characters that start emphasis, links, tables or code, HTML
 * entities for markup characters (GitHub strips raw HTML), line breaks as spaces so a value stays in its
 * table cell or list item, other control characters as visible escapes (`\x1b`), terminal escape sequences
 * removed, lone surrogates as U+FFFD. Long values are cut at MAX_TEXT characters.
 */
function md(value: string): string {
  const cut = value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}… (cut; see report.html)` : value
  // One line (breaks as spaces), then every other control character and escape sequence made visible.
  const text = oneLine(cut.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' '))
  return text
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\s*[\r\n]+\s*/g, ' ')
}

/** An id as inline code; ids are plain kebab/dotted words, anything else falls back to escaped text. */
function code(id: string): string {
  return /^[\w.:#-]+$/.test(id) ? `\`${id}\`` : md(id)
}

function checkCounts(s: ScenarioResult): string {
  const counts = new Map<Status, number>()
  for (const c of s.checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1)
  const order: Status[] = ['FAIL', 'ERROR', 'WARN', 'INCONCLUSIVE', 'PASS', 'SKIP']
  return order
    .filter((st) => counts.has(st))
    .map((st) => `${counts.get(st)} ${st.toLowerCase()}`)
    .join(', ')
}

function finding(c: Verdict): string[] {
  const label = isKnown(c) ? `${KNOWN} **known ${c.status}**` : `${ICON[c.status]} **${c.status}**`
  const lines = [`- ${label} ${code(c.checkId)} · **${md(c.requirement.id)} ${c.requirement.level}** — ${md(c.title)}`]
  if (c.baselined) lines.push(`  - baseline: ${md(c.baselined.entry)}${c.baselined.reason !== undefined ? ` — ${md(c.baselined.reason)}` : ''}`)
  if (c.expected !== undefined) lines.push(`  - expected: ${md(c.expected)}`)
  if (c.observed !== undefined) lines.push(`  - observed: ${md(c.observed)}`)
  if (c.reason !== undefined) lines.push(`  - reason: ${md(firstLine(c.reason))}`)
  if (c.evidence.length > 0) lines.push(`  - transcript: ${c.evidence.map(code).join(' ')}`)
  // The failed check's own advice: a scenario's fix would be wrong for an always-on check that failed in it.
  if (c.fix !== undefined && (c.status === 'FAIL' || c.status === 'WARN')) lines.push(`  - **fix:** ${md(c.fix)}`)
  return lines
}

/** A run summary sized for a GitHub step summary: totals, a table per family, then every FAIL, ERROR and WARN. */
export function renderMarkdown(report: RunReport): string {
  const t = report.totals
  const headline = runHeadline(report)
  const known = (status: Status) => report.scenarios.filter((s) => s.verdict === status && isKnownFailure(s)).length
  const ofWhich = (n: number) => (n > 0 ? ` (${n} known)` : '')
  const lines: string[] = [
    `## ${headline.passed ? ICON.PASS : ICON.FAIL} atproto OAuth conformance: ${md(report.client.name)} — ${md(headline.text)}`,
    '',
    `**${t.PASS + t.WARN} passed** (${t.WARN} with warnings) · **${t.FAIL} failed**${ofWhich(known('FAIL'))} · **${t.ERROR} errors**${ofWhich(known('ERROR'))} · ${t.SKIP} skipped — ` +
      `${t.scenarios} scenarios in ${(report.durationMs / 1000).toFixed(2)} s`,
    '',
    `<sub>${md(report.tool.name)} ${md(report.tool.version)} · ${md(report.client.driver)} driver` +
      `${report.profile ? ` · profile ${report.profile}` : ''}${report.topology ? ` · topology ${report.topology}` : ''}` +
      ` · started ${md(report.startedAt)}${report.redacted ? '' : ' · **not redacted**'}</sub>`,
  ]
  if (report.coverage) {
    const c = report.coverage
    lines.push('', `<sub>spec coverage: ${c.covered} of ${c.requirements.length} catalog requirements exercised, ${c.excluded} excluded with a reason${c.missing ? `, **${c.missing} missing**` : ''}</sub>`)
  }
  for (const [family, scenarios] of byFamily(report)) {
    lines.push('', `### ${family}`, '', '| verdict | scenario | title | checks | time |', '| --- | --- | --- | --- | ---: |')
    for (const s of scenarios) {
      lines.push(`| ${verdictLabel(s.verdict, isKnownFailure(s))} | ${code(s.id)} | ${md(s.title)} | ${checkCounts(s)} | ${s.durationMs} ms |`)
    }
  }
  const noteworthy = report.scenarios.filter((s) => NOTEWORTHY[s.verdict] || staleEntries(report, s).length > 0)
  if (noteworthy.length > 0) lines.push('', '### Findings')
  let bytes = Buffer.byteLength(lines.join('\n'))
  let shown = 0
  for (const s of noteworthy) {
    const checks = s.checks.filter((c) => NOTEWORTHY[c.status])
    const stale = staleEntries(report, s)
    const section = ['', `#### ${verdictLabel(s.verdict, isKnownFailure(s))} ${code(s.id)} — ${md(s.title)}`, '', ...checks.flatMap(finding)]
    if (s.reason !== undefined && !checks.some((c) => c.reason === s.reason)) section.push(`- reason: ${md(firstLine(s.reason))}`)
    for (const message of stale) section.push(`- ${ICON.FAIL} **stale baseline entry:** ${md(message)}`)
    const size = Buffer.byteLength(section.join('\n')) + 1
    if (bytes + size > MAX_BYTES) break
    lines.push(...section)
    bytes += size
    shown++
  }
  if (shown < noteworthy.length) lines.push('', `…and ${noteworthy.length - shown} more scenarios with findings: see report.html.`)
  return `${lines.join('\n')}\n`
}
