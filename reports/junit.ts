import type { Status, Verdict } from '../model/verdict.ts'
import type { RunReport, ScenarioResult } from './schema.ts'
import { byFamily, describeCheck, failingChecks, firstLine, isKnown, seconds, staleEntries } from './view.ts'

/** The JUnit element a scenario verdict becomes; PASS and WARN are passing test cases. */
const JUNIT_ELEMENT: Record<Status, 'failure' | 'error' | 'skipped' | null> = {
  PASS: null,
  WARN: null,
  FAIL: 'failure',
  ERROR: 'error',
  SKIP: 'skipped',
  // Not a finding either way: a skipped test case whose message says why.
  INCONCLUSIVE: 'skipped',
}

const XML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
}

/**
 * The one XML escape: markup characters as entities, line breaks and tabs as character references (so they
 * survive attribute-value normalisation), and characters XML 1.0 forbids (and DEL, the C1 controls and
 * bidirectional overrides, which it allows but a CI page would show raw) as U+FFFD.
 */
function xml(value: string | number | boolean): string {
  return String(value)
    .replace(/[^\t\n\r\x20-\x7e\xa0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]|[\u202a-\u202e\u2066-\u2069]/gu, '\uFFFD')
    .replace(/[&<>"'\t\n\r]/g, (c) => XML_ENTITY[c]!)
}

function attrs(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xml(v)}"`)
    .join('')
}

/** A multi-line account of checks for an element body, each with its own fix. */
function detail(checks: readonly Verdict[]): string {
  const lines: string[] = []
  for (const c of checks) {
    lines.push(`${isKnown(c) ? 'known ' : ''}${c.status} ${c.checkId} (${c.requirement.id} ${c.requirement.level}): ${c.title}`)
    if (c.baselined) lines.push(`  baseline: ${c.baselined.entry}${c.baselined.reason !== undefined ? ` ${c.baselined.reason}` : ''}`)
    if (c.expected !== undefined) lines.push(`  expected: ${c.expected}`)
    if (c.observed !== undefined) lines.push(`  observed: ${c.observed}`)
    if (c.reason !== undefined) lines.push(`  reason: ${c.reason}`)
    if (c.evidence.length > 0) lines.push(`  transcript: ${c.evidence.join(' ')}`)
    if (c.fix !== undefined && (c.status === 'FAIL' || c.status === 'WARN')) lines.push(`  fix: ${c.fix}`)
  }
  return lines.join('\n')
}

/** The element a scenario becomes, as the run's result counts it: a known failure is an expected one. */
function elementOf(report: RunReport, s: ScenarioResult): 'failure' | 'error' | 'skipped' | 'known' | null {
  if (staleEntries(report, s).length > 0) return 'failure'
  const element = JUNIT_ELEMENT[s.verdict]
  if ((element === 'failure' || element === 'error') && failingChecks(s).length === 0 && s.checks.some(isKnown)) return 'known'
  // A FAIL scenario whose unlisted failures are all ERRORs (the FAILs are known) is an error, and the reverse.
  if (element === 'failure' || element === 'error') return failingChecks(s).some((c) => c.status === 'ERROR') ? 'error' : failingChecks(s).length > 0 ? 'failure' : element
  return element
}

function testcase(report: RunReport, s: ScenarioResult): string {
  const element = elementOf(report, s)
  const open = `    <testcase${attrs({ classname: s.family, name: s.id, time: seconds(s.durationMs) })}`
  const body: string[] = []
  const stale = staleEntries(report, s)
  const known = s.checks.filter(isKnown)
  if (element === 'failure' || element === 'error') {
    // Every unlisted FAIL and ERROR check, errors first (a crash often explains the failures after it).
    const unlisted = failingChecks(s)
    const failing = unlisted.filter((c) => c.status === 'ERROR').concat(unlisted.filter((c) => c.status === 'FAIL'))
    const messages = [...failing.map((c) => firstLine(describeCheck(c))), ...stale.map((m) => `stale baseline entry: ${m}`)]
    const message = messages.length > 0 ? messages.join('\n') : firstLine(s.reason ?? s.verdict)
    const type = failing.length > 0 ? s.verdict : 'stale-baseline-entry'
    body.push(`      <${element}${attrs({ message, type })}>${xml([detail(failing), ...stale.map((m) => `stale baseline entry: ${m}`)].filter(Boolean).join('\n'))}</${element}>`)
  } else if (element === 'known') {
    // An expected failure, as pytest writes an xfail: skipped, with the baseline entry that lists it.
    const entries = [...new Set(known.map((c) => c.baselined!.entry))].join(', ')
    body.push(`      <skipped${attrs({ type: 'known-failure', message: `known ${s.verdict}, listed in ${entries}: ${known.map((c) => c.checkId).join(', ')}` })}/>`)
  } else if (element === 'skipped') {
    const reason = s.reason ?? (s.checks.map((c) => c.reason).filter(Boolean).join('; ') || 'skipped')
    body.push(`      <skipped${attrs({ message: reason })}/>`)
  }
  const reported = [...(element === 'known' || element === 'failure' || element === 'error' ? known : []), ...s.checks.filter((c) => c.status === 'WARN')]
  if (reported.length > 0) body.push(`      <system-out>${xml(detail(reported))}</system-out>`)
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`
}

/**
 * report.json as JUnit XML: one `<testsuite>` per family, one `<testcase>` per scenario. Pure and
 * deterministic: the only timestamp is the run's `startedAt`, and no host name is written.
 */
export function renderJunit(report: RunReport): string {
  // Counted as the test cases are written, so a known failure counts as skipped, a stale entry as a failure.
  const counts = (scenarios: readonly ScenarioResult[]) => {
    const elements = scenarios.map((s) => elementOf(report, s))
    const n = (...which: (string | null)[]) => elements.filter((e) => which.includes(e)).length
    return { tests: scenarios.length, failures: n('failure'), errors: n('error'), skipped: n('skipped', 'known') }
  }
  const properties = {
    client: report.client.name,
    driver: report.client.driver,
    tool: `${report.tool.name} ${report.tool.version}`,
    profile: report.profile,
    topology: report.topology,
    redacted: report.redacted,
  }
  const propertyLines = Object.entries(properties)
    .filter((e): e is [string, string | boolean] => e[1] !== undefined)
    .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
  const suites = byFamily(report).map(([family, scenarios]) =>
    [
      `  <testsuite${attrs({ name: family, ...counts(scenarios), time: seconds(scenarios.reduce((t, s) => t + s.durationMs, 0)), timestamp: report.startedAt })}>`,
      '    <properties>',
      ...propertyLines,
      '    </properties>',
      ...scenarios.map((s) => testcase(report, s)),
      '  </testsuite>',
    ].join('\n'),
  )
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: report.tool.name, ...counts(report.scenarios), time: seconds(report.durationMs), timestamp: report.startedAt })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n')
}
