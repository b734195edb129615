/**
 * The interop matrix page (docs/interop.md), derived from the bundled clients' committed expectations files: no
 * client runs here, so the page is fast and byte-for-byte deterministic. `scripts/interop.ts` writes it;
 * `test/interop-page.test.ts` regenerates it and compares; `scripts/interop.ts --check` runs the clients for real
 * and compares what they do with the same expectations.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Topology } from '../model/requirement.ts'
import { STATUSES, tally, type Status } from '../model/verdict.ts'
import type { Scenario } from '../harness/scenario.ts'
import type { InteropClient, Transport } from './interop-clients.ts'

/** One entry of an expectations file: a scenario that is not PASS, and where. */
export interface Expectation {
  verdict: Exclude<Status, 'PASS'>
  /** The checks that are not PASS (nor SKIP). */
  checks: string[]
  why?: string
  /** Only in these topologies (every topology when omitted). */
  topologies?: Topology[]
  /** Only over these transports (every transport when omitted). */
  transports?: Transport[]
}

export interface Expectations {
  client?: string
  note?: string
  scenarios: Record<string, Expectation>
}

export interface Configuration {
  topology: Topology
  transport: Transport
}

/** What one scenario gives in one configuration. */
export interface Outcome {
  verdict: Status
  checks: string[]
}

export type LoadedClient = { client: InteropClient; expectations: Expectations } | { client: InteropClient; planned: true }

const TOPOLOGIES: readonly Topology[] = ['entryway', 'self-hosted']
const TRANSPORTS: readonly Transport[] = ['http', 'https']

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

/**
 * Parses and checks an expectations file. Every mistake is an Error naming the file and the entry: an unknown
 * scenario id (a renamed scenario), a verdict that is not a status, a PASS entry (not listed means PASS).
 */
export function parseExpectations(file: string, text: string, scenarioIds: ReadonlySet<string>): Expectations {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`)
  }
  const scenarios = (data as { scenarios?: unknown } | null)?.scenarios
  if (typeof scenarios !== 'object' || scenarios === null || Array.isArray(scenarios)) throw new Error(`${file}: expected an object with "scenarios": { <scenario id>: { verdict, checks } }`)
  for (const [id, e] of Object.entries(scenarios as Record<string, Partial<Expectation> | null>)) {
    const at = `${file}: scenarios.${id}`
    if (!scenarioIds.has(id)) throw new Error(`${at}: no scenario has this id`)
    if (typeof e !== 'object' || e === null) throw new Error(`${at}: expected { verdict, checks }`)
    if (!STATUSES.includes(e.verdict as Status)) throw new Error(`${at}.verdict: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(e.verdict)}`)
    if ((e.verdict as Status) === 'PASS') throw new Error(`${at}.verdict: PASS is not listed (every scenario not listed PASSes)`)
    if (!isStringArray(e.checks)) throw new Error(`${at}.checks: expected a list of check ids`)
    if (e.why !== undefined && typeof e.why !== 'string') throw new Error(`${at}.why: expected text`)
    if (e.topologies !== undefined && !(isStringArray(e.topologies) && e.topologies.every((t) => TOPOLOGIES.includes(t as Topology)))) {
      throw new Error(`${at}.topologies: expected a list of ${TOPOLOGIES.join(', ')}`)
    }
    if (e.transports !== undefined && !(isStringArray(e.transports) && e.transports.every((t) => TRANSPORTS.includes(t as Transport)))) {
      throw new Error(`${at}.transports: expected a list of ${TRANSPORTS.join(', ')}`)
    }
  }
  return data as Expectations
}

/** Reads a client's expectations file (paths from `root`, the repository). */
export function loadClient(client: InteropClient, scenarios: readonly Scenario[], root: string): LoadedClient {
  const path = join(root, client.expectations)
  if (!existsSync(path)) {
    if (client.planned) return { client, planned: true }
    throw new Error(`${client.expectations}: missing (the ${client.id} entry of scripts/interop-clients.ts names it)`)
  }
  return { client, expectations: parseExpectations(client.expectations, readFileSync(path, 'utf8'), new Set(scenarios.map((s) => s.id))) }
}

/** Every configuration a client supports, topology first. */
export function configurations(client: InteropClient): Configuration[] {
  return client.topologies.flatMap((topology) => client.transports.map((transport) => ({ topology, transport })))
}

const label = (c: Configuration) => `${c.topology} · ${c.transport}`

/** What the expectations say each scenario gives in one configuration: the entry where it applies, else PASS. */
export function expectedOutcomes(expectations: Expectations, scenarios: readonly Scenario[], config: Configuration): Record<string, Outcome> {
  return Object.fromEntries(
    scenarios.map((s) => {
      const e = expectations.scenarios[s.id]
      const applies = e && (!e.topologies || e.topologies.includes(config.topology)) && (!e.transports || e.transports.includes(config.transport))
      return [s.id, applies ? { verdict: e.verdict, checks: e.checks } : { verdict: 'PASS', checks: [] }]
    }),
  )
}

/** A table cell: markdown's pipe and line breaks escaped. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}

/** GitHub's heading anchor for a plain heading. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')
}

const requirementsOf = (s: Scenario) => s.requirements.map((r) => `${r.id} ${r.level}`).join(', ')

/**
 * One client's verdict for a scenario over its configurations, shortest first: `WARN` when every configuration
 * agrees, else each verdict with where it holds (a topology or a transport when that is the whole set).
 */
function verdictAcross(outcomes: Map<string, Record<string, Outcome>>, configs: Configuration[], id: string): string {
  const byVerdict = new Map<Status, Configuration[]>()
  for (const c of configs) {
    const v = outcomes.get(label(c))![id]!.verdict
    byVerdict.set(v, [...(byVerdict.get(v) ?? []), c])
  }
  if (byVerdict.size === 1) return [...byVerdict.keys()][0]!
  const where = (group: Configuration[]) => {
    for (const t of TOPOLOGIES) {
      const all = configs.filter((c) => c.topology === t)
      if (all.length === group.length && group.every((c) => c.topology === t)) return t
    }
    for (const t of TRANSPORTS) {
      const all = configs.filter((c) => c.transport === t)
      if (all.length === group.length && group.every((c) => c.transport === t)) return t
    }
    return group.map(label).join(', ')
  }
  return [...byVerdict].map(([v, group]) => `${v} (${where(group)})`).join('; ')
}

/** Why a scenario SKIPs, when its entry does not say: what the scenario needs of a client. */
function skipReason(s: Scenario, e: Expectation): string {
  if (e.why) return e.why
  const needs = [...(s.needs ?? []), ...(s.client === 'confidential' ? ['confidential'] : s.client === 'native' ? ['native'] : []), ...(s.clientScope ? ['granularScopes'] : [])]
  return needs.length ? `a capability the adapter does not declare (the scenario needs ${[...new Set(needs)].join(', ')})` : 'no reason given'
}

/** The page. `scenarios` in catalog order; `clients` in the order of scripts/interop-clients.ts. */
export function renderInteropPage(clients: readonly LoadedClient[], scenarios: readonly Scenario[]): string {
  const bundled = clients.filter((c): c is Extract<LoadedClient, { expectations: Expectations }> => 'expectations' in c)
  const planned = clients.filter((c) => 'planned' in c).map((c) => c.client)
  const outcomes = new Map(bundled.map((b) => [b.client.id, new Map(configurations(b.client).map((c) => [label(c), expectedOutcomes(b.expectations, scenarios, c)]))]))
  const out: string[] = []
  const push = (...lines: string[]) => out.push(...lines)

  push(
    '# Interop matrix',
    '',
    '<!-- Generated by `npx tsx scripts/interop.ts` from the clients\' expectations files; do not edit by hand. -->',
    '',
    `Every bundled client × the ${scenarios.length} scenarios × the topologies (entryway, self-hosted) and transports`,
    '(loopback http, or https host names with `run --https`) the client supports. The verdicts are the ones the',
    'clients\' committed expectations files hold; each client\'s section says which tests hold them, and',
    '`npx tsx scripts/interop.ts --check` runs every client in every configuration and compares.',
    '`npx tsx scripts/interop.ts` rewrites this page, which `test/interop-page.test.ts` compares with what the',
    'expectations give. Every FAIL and WARN is a real finding about the library, explained with its source lines on',
    'the client\'s findings page.',
    '',
    '## Summary',
    '',
    `| client | library | configuration | ${STATUSES.join(' | ')} | findings |`,
    `| --- | --- | --- | ${STATUSES.map(() => '---:').join(' | ')} | --- |`,
  )
  for (const { client } of bundled) {
    for (const c of configurations(client)) {
      const counts = tally(Object.values(outcomes.get(client.id)!.get(label(c))!).map((o) => o.verdict))
      push(`| [${client.title}](#${anchor(client.title)}) | ${client.library} | ${label(c)} | ${STATUSES.map((s) => counts[s]).join(' | ')} | [findings](${client.findings}) |`)
    }
  }
  push('')
  for (const { client } of bundled) if (client.unsupported) push(`- ${client.title}: no ${cell(client.unsupported)}`)
  for (const client of planned) push(`- ${client.title} (${client.library}): planned, not bundled yet.`)

  push(
    '',
    '## Findings at a glance',
    '',
    'Every scenario that some client does not PASS, skips aside. A verdict that differs between configurations says',
    'where each holds; `·` is a PASS everywhere.',
    '',
    `| scenario | requirements | ${bundled.map((b) => `[${b.client.title}](#${anchor(b.client.title)})`).join(' | ')} |`,
    `| --- | --- | ${bundled.map(() => '---').join(' | ')} |`,
  )
  for (const s of scenarios) {
    const cells = bundled.map((b) => verdictAcross(outcomes.get(b.client.id)!, configurations(b.client), s.id))
    if (cells.every((v) => v === 'PASS' || v === 'SKIP')) continue
    push(`| \`${s.id}\` | ${requirementsOf(s)} | ${cells.map((v) => (v === 'PASS' ? '·' : v)).join(' | ')} |`)
  }

  for (const { client, expectations } of bundled) {
    const configs = configurations(client)
    push(
      '',
      `## ${client.title}`,
      '',
      `${client.library}, ${client.driver} driver; ${configs.map(label).join(', ')}. Expectations:`,
      `[\`${client.expectations}\`](../${client.expectations}); findings: [${client.findings.replace(/#.*/, '')}](${client.findings}).`,
      ...(client.heldBy ? [`Held by: ${client.heldBy}.`] : []),
      '',
      '| scenario | requirements | verdict | checks not passing | why |',
      '| --- | --- | --- | --- | --- |',
    )
    const skips = new Map<string, string[]>()
    for (const s of scenarios) {
      const e = expectations.scenarios[s.id]
      if (!e) continue
      const verdict = verdictAcross(outcomes.get(client.id)!, configs, s.id)
      if (e.verdict === 'SKIP') {
        const reason = skipReason(s, e)
        skips.set(reason, [...(skips.get(reason) ?? []), `\`${s.id}\`${verdict === 'SKIP' ? '' : ` (${verdict})`}`])
        continue
      }
      push(`| \`${s.id}\` | ${requirementsOf(s)} | ${verdict} | ${e.checks.map((c) => `\`${c}\``).join(', ')} | ${cell(e.why ?? 'see the findings page')} |`)
    }
    if (skips.size) {
      push('', 'Skipped:', '')
      for (const [reason, ids] of skips) push(`- ${ids.join(', ')}: ${cell(reason)}`)
    }
  }
  return `${out.join('\n')}\n`
}
