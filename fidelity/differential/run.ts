/**
 * The differential run: every case on the real server and on a World of the reference profile, side by
 * side, each compared exchange reduced to its facts (compare.ts), with what each side handed out written
 * back to the recorded names, and compared fact by fact.
 */
import { createWorld, type Topology } from '../../harness/world.ts'
import type { FaultPlan } from '../../mock-as/faults.ts'
import type { ProfileName } from '../../mock-as/profile.ts'
import { REFERENCE_ISSUER } from '../captures.ts'
import { compareFacts, factsOfResult, type FieldDifference, type WireFacts } from '../compare.ts'
import { otherLoopbackName, worldTarget, type Target } from '../target.ts'
import { Agent, type Exchange } from './agent.ts'
import type { Area, Case } from './case.ts'
import { allCases } from './cases/index.ts'
import { rawOf, readRecording, type RecordedStep, type Recording } from './recording.ts'

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
  /** The reference side's compared exchanges as facts (what `--record` writes). */
  recorded: RecordedStep[]
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

/** One compared exchange of one side, as the comparison and the recording see it. */
function stepOf(e: Exchange, agent: Agent): RecordedStep {
  const request = `${e.request.method} ${e.request.url ? new URL(e.request.url).pathname : ''}`
  if (e.observation !== undefined) return { label: e.label, request, observation: e.observation }
  const step: RecordedStep = { label: e.label, request, facts: normalise(factsOfResult(e.response, origins(agent)), agent) }
  if (e.only) step.only = e.only
  return step
}

function compareSteps(reference: RecordedStep, mock: RecordedStep): FieldDifference[] {
  if (reference.observation !== undefined || mock.observation !== undefined) {
    return reference.observation === mock.observation ? [] : [{ field: 'observation', recorded: reference.observation, observed: mock.observation }]
  }
  if (!reference.facts || !mock.facts) return [{ field: 'exchange', recorded: reference.request, observed: mock.request }]
  const differences = compareFacts(reference.facts, mock.facts)
  const only = reference.only ?? mock.only
  return only ? differences.filter((d) => only.includes(d.field)) : differences
}

/** Compares the reference side's steps with the mock's, into a case result. */
function judge(c: Case, reference: RecordedStep[], mock: RecordedStep[], result: CaseResult): CaseResult {
  if (!result.error && reference.length !== mock.length) result.error = `the reference side made ${reference.length} compared exchange(s), the mock ${mock.length}`
  for (let i = 0; i < Math.min(reference.length, mock.length); i++) {
    const differences = compareSteps(reference[i]!, mock[i]!)
    result.compared++
    if (differences.length === 0) result.matched++
    else result.steps.push({ label: reference[i]!.label, request: reference[i]!.request, differences })
  }
  if (result.error && result.compared === 0) result.compared = 1
  return result
}

function emptyResult(c: Case): CaseResult {
  return { id: c.id, area: c.area, kind: c.kind, compared: 0, matched: 0, steps: [], live: [], mock: [], recorded: [] }
}

function comparedSteps(agent: Agent, from: number): RecordedStep[] {
  return agent.exchanges.slice(from).filter((e) => e.compared).map((e) => stepOf(e, agent))
}

async function runCase(c: Case, live: Agent, mock: Agent): Promise<CaseResult> {
  const result = emptyResult(c)
  const start = { live: live.exchanges.length, mock: mock.exchanges.length }
  const outcomes = await Promise.allSettled([c.run(live), c.run(mock)])
  const failed = outcomes.map((o, i) => (o.status === 'rejected' ? `${i === 0 ? 'live' : 'mock'}: ${(o.reason as Error)?.message ?? o.reason}` : undefined)).filter(Boolean)
  if (failed.length > 0) result.error = failed.join('; ')
  result.live = live.exchanges.slice(start.live)
  result.mock = mock.exchanges.slice(start.mock)
  const reference = comparedSteps(live, start.live)
  const liveCompared = result.live.filter((e) => e.compared)
  result.recorded = reference.map((s, i) => (s.facts ? { ...s, raw: rawOf(liveCompared[i]!.response.status, liveCompared[i]!.response.rawHeaders, liveCompared[i]!.response.text) } : s))
  return judge(c, reference, comparedSteps(mock, start.mock), result)
}

/** Compared exchanges and matches over a run's cases (a case that errored matches nothing). */
function totals(results: readonly CaseResult[]): { exchanges: number; matched: number } {
  return {
    exchanges: results.reduce((n, r) => n + r.compared, 0),
    matched: results.reduce((n, r) => n + (r.error ? 0 : r.matched), 0),
  }
}

export interface ReplayOptions {
  profile?: ProfileName
  topology?: Topology
  only?: string
  recording?: Recording
  /** A fault plan for the World (to prove the replay sees a difference). */
  faults?: FaultPlan
}

/**
 * The recorded differential run replayed without the real server: every recorded case against a World,
 * compared with what the real server answered when it was recorded.
 */
export async function replayDifferential(options: ReplayOptions = {}): Promise<DifferentialRun> {
  const started = performance.now()
  const profile = options.profile ?? 'reference'
  const topology = options.topology ?? 'self-hosted'
  const recording = options.recording ?? readRecording()
  const world = await createWorld({ profile, topology, faults: options.faults })
  const cases = allCases().filter((c) => recording.cases[c.id] && (!options.only || c.id.startsWith(options.only)))
  const results: CaseResult[] = []
  const shared = new Agent(worldTarget(world))
  try {
    for (const c of cases) {
      const agent = c.area === 'pds' ? shared : new Agent(worldTarget(world))
      const result = emptyResult(c)
      const from = agent.exchanges.length
      try {
        await c.run(agent)
      } catch (error) {
        result.error = `mock: ${(error as Error).message}`
      }
      results.push(judge(c, recording.cases[c.id]!, comparedSteps(agent, from), result))
    }
  } finally {
    await world.close()
  }
  const { exchanges, matched } = totals(results)
  return { target: `recording of ${recording.recordedAt}`, world: `${profile}/${topology}`, cases: results, exchanges, matched, differ: exchanges - matched, ms: performance.now() - started }
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
  const { exchanges, matched } = totals(results)
  return { target: options.live.label, world: `${profile}/${topology}`, cases: results, exchanges, matched, differ: exchanges - matched, ms: performance.now() - started }
}
