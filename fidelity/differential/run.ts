/**
 * The differential run: every case on the real server and on a World of the reference profile, side by
 * side, each compared exchange reduced to its facts (compare.ts), with what each side handed out written
 * back to the recorded names, and compared fact by fact.
 */
import { createWorld, type Topology } from '../../harness/world.ts'
import type { ProfileName } from '../../mock-as/profile.ts'
import { REFERENCE_ISSUER } from '../captures.ts'
import { compareFacts, factsOfResult, type FieldDifference, type WireFacts } from '../compare.ts'
import { otherLoopbackName, worldTarget, type Target } from '../target.ts'
import { Agent, type Exchange } from './agent.ts'
import type { Area, Case } from './case.ts'
import { allCases } from './cases/index.ts'

export interface StepComparison {
  label: string
  request: string
  differences: FieldDifference[]
}

export interface CaseResult {
  id: string
  area: Area
  kind: Case['kind']
  /** Compared exchanges (both sides). */
  compared: number
  matched: number
  steps: StepComparison[]
  /** A side that threw, or sent a different number of compared exchanges. */
  error?: string
  live: Exchange[]
  mock: Exchange[]
}

export interface DifferentialRun {
  target: string
  world: string
  cases: CaseResult[]
  exchanges: number
  matched: number
  differ: number
  ms: number
}

/** The account DID as the recording wrote it, so descriptions and keys compare across servers. */
const RECORDED_DID = 'did:plc:alice'

function normalise(facts: WireFacts, agent: Agent): WireFacts {
  if (facts.description === undefined) return facts
  let d = facts.description
  for (const origin of [agent.issuer, agent.pds, otherLoopbackName(agent.issuer)].filter((o): o is string => !!o)) d = d.split(origin).join(REFERENCE_ISSUER)
  for (const value of agent.values.values()) if (value.length > 8) d = d.split(value).join('<value>')
  d = d.replace(/did:plc:[a-z2-7]{24}/g, RECORDED_DID)
  d = d.replace(/req-[0-9a-f]{32}/g, 'req-<id>')
  return { ...facts, description: d }
}

function origins(agent: Agent): string[] {
  return [agent.issuer, agent.pds, otherLoopbackName(agent.issuer), otherLoopbackName(agent.pds)].filter((o): o is string => !!o)
}

function compareStep(live: Exchange, mock: Exchange, liveAgent: Agent, mockAgent: Agent): FieldDifference[] {
  if (live.observation !== undefined || mock.observation !== undefined) {
    return live.observation === mock.observation ? [] : [{ field: 'observation', recorded: live.observation, observed: mock.observation }]
  }
  const a = normalise(factsOfResult(live.response, origins(liveAgent)), liveAgent)
  const b = normalise(factsOfResult(mock.response, origins(mockAgent)), mockAgent)
  const differences = compareFacts(a, b)
  const only = live.only ?? mock.only
  return only ? differences.filter((d) => only.includes(d.field)) : differences
}

async function runCase(c: Case, live: Agent, mock: Agent): Promise<CaseResult> {
  const result: CaseResult = { id: c.id, area: c.area, kind: c.kind, compared: 0, matched: 0, steps: [], live: live.exchanges, mock: mock.exchanges }
  const start = { live: live.exchanges.length, mock: mock.exchanges.length }
  const outcomes = await Promise.allSettled([c.run(live), c.run(mock)])
  const failed = outcomes.map((o, i) => (o.status === 'rejected' ? `${i === 0 ? 'live' : 'mock'}: ${(o.reason as Error)?.message ?? o.reason}` : undefined)).filter(Boolean)
  const a = live.exchanges.slice(start.live).filter((e) => e.compared)
  const b = mock.exchanges.slice(start.mock).filter((e) => e.compared)
  result.live = live.exchanges.slice(start.live)
  result.mock = mock.exchanges.slice(start.mock)
  if (failed.length > 0) result.error = failed.join('; ')
  else if (a.length !== b.length) result.error = `the live side made ${a.length} compared exchange(s), the mock ${b.length}`
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const differences = compareStep(a[i]!, b[i]!, live, mock)
    result.compared++
    if (differences.length === 0) result.matched++
    else result.steps.push({ label: a[i]!.label, request: `${a[i]!.request.method} ${new URL(a[i]!.request.url || 'http://x/').pathname}`, differences })
  }
  if (result.error && result.compared === 0) result.compared = 1
  return result
}

export interface DifferentialOptions {
  live: Target
  profile?: ProfileName
  topology?: Topology
  /** Case id prefix filter (`par/`, `token/code-`). */
  only?: string
  /** Per finished case, for progress output. */
  onCase?: (result: CaseResult, index: number, total: number) => void
  cases?: Case[]
}

export async function runDifferential(options: DifferentialOptions): Promise<DifferentialRun> {
  const started = performance.now()
  const profile = options.profile ?? 'reference'
  const topology = options.topology ?? 'self-hosted'
  const world = await createWorld({ profile, topology })
  const cases = (options.cases ?? allCases()).filter((c) => !options.only || c.id.startsWith(options.only))
  const results: CaseResult[] = []
  // The PDS cases share one session per side; every other case starts a fresh client.
  const shared = { live: new Agent(options.live), mock: new Agent(worldTarget(world)) }
  try {
    for (const [i, c] of cases.entries()) {
      const pair = c.area === 'pds' ? shared : { live: new Agent(options.live), mock: new Agent(worldTarget(world)) }
      const result = await runCase(c, pair.live, pair.mock)
      results.push(result)
      options.onCase?.(result, i, cases.length)
    }
  } finally {
    await world.close()
  }
  const exchanges = results.reduce((n, r) => n + r.compared, 0)
  const matched = results.reduce((n, r) => n + (r.error ? 0 : r.matched), 0)
  return { target: options.live.label, world: `${profile}/${topology}`, cases: results, exchanges, matched, differ: exchanges - matched, ms: performance.now() - started }
}
