import type { Status, Verdict } from '../model/verdict.ts'
import type { RunReport, ScenarioResult } from './schema.ts'
import { byFamily, countVerdicts, describeCheck, firstLine, fixApplies, seconds } from './view.ts'

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

/** A multi-line account of checks for an element body. */
function detail(checks: readonly Verdict[], fix: string | undefined): string {
  const lines: string[] = []
  for (const c of checks) {
    lines.push(`${c.status} ${c.checkId} (${c.requirement.id} ${c.requirement.level}): ${c.title}`)
    if (c.expected !== undefined) lines.push(`  expected: ${c.expected}`)
    if (c.observed !== undefined) lines.push(`  observed: ${c.observed}`)
    if (c.reason !== undefined) lines.push(`  reason: ${c.reason}`)
    if (c.evidence.length > 0) lines.push(`  transcript: ${c.evidence.join(' ')}`)
  }
  if (fix && fixApplies(checks)) lines.push(`fix: ${fix}`)
  return lines.join('\n')
}

function testcase(s: ScenarioResult): string {
  const element = JUNIT_ELEMENT[s.verdict]
  const open = `    <testcase${attrs({ classname: s.family, name: s.id, time: seconds(s.durationMs) })}`
  const body: string[] = []
  if (element === 'failure' || element === 'error') {
    // Every FAIL and ERROR check, errors first (a crash often explains the failures after it).
    const failing = s.checks.filter((c) => c.status === 'ERROR').concat(s.checks.filter((c) => c.status === 'FAIL'))
    const message = failing.length > 0 ? failing.map((c) => firstLine(describeCheck(c))).join('\n') : firstLine(s.reason ?? s.verdict)
    body.push(`      <${element}${attrs({ message, type: s.verdict })}>${xml(detail(failing, s.explain?.fix))}</${element}>`)
  } else if (element === 'skipped') {
    const reason = s.reason ?? (s.checks.map((c) => c.reason).filter(Boolean).join('; ') || 'skipped')
    body.push(`      <skipped${attrs({ message: reason })}/>`)
  }
  const warnings = s.checks.filter((c) => c.status === 'WARN')
  if (warnings.length > 0) body.push(`      <system-out>${xml(detail(warnings, s.verdict === 'WARN' ? s.explain?.fix : undefined))}</system-out>`)
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`
}

/**
 * report.json as JUnit XML: one `<testsuite>` per family, one `<testcase>` per scenario. Pure and
 * deterministic: the only timestamp is the run's `startedAt`, and no host name is written.
 */
export function renderJunit(report: RunReport): string {
  const counts = (scenarios: readonly ScenarioResult[]) => {
    const c = countVerdicts(scenarios)
    return { tests: scenarios.length, failures: c.FAIL, errors: c.ERROR, skipped: c.SKIP + c.INCONCLUSIVE }
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
      ...scenarios.map(testcase),
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
