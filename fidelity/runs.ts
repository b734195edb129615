/**
 * The probe's runs as the CLI and the test use them: against a fresh World in a profile and topology
 * (compared with the recording and reconciled with the deviation list), or against a running server
 * (compared with the recording and with a World of the reference profile).
 */
import { readFileSync } from 'node:fs'
import { createWorld, type Topology } from '../harness/world.ts'
import type { ProfileName } from '../mock-as/profile.ts'
import { allCaptures, loadCapture, scopeOf, type CaptureFolder } from './captures.ts'
import type { FieldDifference } from './compare.ts'
import { compareRuns, loadDeviations, reconcile, type Deviation, type Reconciliation } from './deviations.ts'
import { send, type HttpResult } from './http.ts'
import { runProbe, summarize, type ProbeRun, type ProbeSummary } from './probe.ts'
import { liveTarget, worldTarget, type LiveOptions } from './target.ts'

export interface RecordedRunOptions {
  profile?: ProfileName
  topology?: Topology
  folders?: readonly CaptureFolder[]
  capturesDir?: string
  deviations?: readonly Deviation[]
}

export interface RecordedRun {
  probe: ProbeRun
  summary: ProbeSummary
  reconciliation: Reconciliation
}

/** The four World runs the fidelity test reconciles (the CLI runs the first unless told otherwise). */
export const WORLD_RUNS: readonly { profile: ProfileName; topology: Topology }[] = [
  { profile: 'reference', topology: 'self-hosted' },
  { profile: 'reference', topology: 'entryway' },
  { profile: 'strict', topology: 'self-hosted' },
  { profile: 'strict', topology: 'entryway' },
]

/** One fresh World, the whole recorded probe against it, and the reconciliation with the deviation list. */
export async function runRecorded(options: RecordedRunOptions = {}): Promise<RecordedRun> {
  const world = await createWorld({ profile: options.profile ?? 'reference', topology: options.topology ?? 'self-hosted' })
  try {
    const probe = await runProbe(worldTarget(world), { folders: options.folders, capturesDir: options.capturesDir })
    if (world.harnessFaults.length > 0) {
      throw new Error(`the mocks raised ${world.harnessFaults.length} harness fault(s): ${world.harnessFaults.map((f) => f.where).join(', ')}`)
    }
    return { probe, summary: summarize(probe), reconciliation: reconcile(probe, options.deviations ?? loadDeviations()) }
  } finally {
    await world.close()
  }
}

export interface LiveRunOptions extends LiveOptions {
  folders?: readonly CaptureFolder[]
  capturesDir?: string
  /** First create the account as the recording's `001-create-account` did (`{handle, email, password}`). */
  createAccount?: { email: string }
}

/** A capture compared on a live server and on a World. */
export interface LiveComparison {
  key: string
  /** The live server against the recording. */
  live: 'match' | 'differ' | 'not compared'
  liveDifferences: FieldDifference[]
  /** The World (our mock) against the live server, fact by fact. */
  mock: 'match' | 'differ' | 'not compared'
  mockDifferences: FieldDifference[]
}

export interface LiveRun {
  live: ProbeRun
  mock: ProbeRun
  liveSummary: ProbeSummary
  comparisons: LiveComparison[]
  /** The account creation answer, when asked for. */
  accountCreation?: { status: number; error?: string; message?: string }
}

/** Creates the probe's account on a live server the way the recording did (`main/001-create-account`). */
export async function createLiveAccount(
  base: string,
  account: { handle: string; password: string; email: string },
): Promise<HttpResult> {
  const recorded = loadCapture('create-account')
  return send(`${new URL(base).origin}${new URL(recorded.request.url).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: account.handle, email: account.email, password: account.password }),
  })
}

/**
 * The probe against a running server, then against a fresh World of the reference profile in the same
 * topology, and the two compared capture by capture. Throws when nothing answers at the base URL.
 */
export async function runLive(options: LiveRunOptions): Promise<LiveRun> {
  const target = liveTarget(options)
  const metadata = await send(`${target.issuer}/.well-known/oauth-authorization-server`).catch((err: Error) => {
    throw new Error(`nothing answers at ${target.issuer}: ${err.message}`)
  })
  if (metadata.status !== 200) throw new Error(`${target.issuer}/.well-known/oauth-authorization-server answered ${metadata.status}`)
  let accountCreation: LiveRun['accountCreation']
  if (options.createAccount) {
    const res = await createLiveAccount(target.pds, { ...target.account, email: options.createAccount.email })
    accountCreation = { status: res.status, error: res.json?.error, message: res.json?.message }
  }
  const live = await runProbe(target, { folders: options.folders, capturesDir: options.capturesDir })
  const world = await createWorld({ profile: 'reference', topology: target.pds === target.issuer ? 'self-hosted' : 'entryway' })
  let mock: ProbeRun
  try {
    // The World runs exactly what the live server could run: no clock-bound nonce watch.
    mock = await runProbe({ ...worldTarget(world), clock: undefined }, { folders: options.folders, capturesDir: options.capturesDir })
  } finally {
    await world.close()
  }
  const mockVsLive = compareRuns(mock, live)
  const compared = (o: string) => (o === 'match' || o === 'differ' ? o : 'not compared') as LiveComparison['live']
  const byKey = new Map(mock.results.map((r) => [r.key, r]))
  const comparisons: LiveComparison[] = live.results
    .filter((r) => r.outcome !== 'out-of-scope')
    .map((r) => {
      const m = mockVsLive.get(r.key)
      return {
        key: r.key,
        live: compared(r.outcome),
        liveDifferences: r.differences,
        mock: m === undefined || !byKey.get(r.key)?.observed ? 'not compared' : m.length === 0 ? 'match' : 'differ',
        mockDifferences: m ?? [],
      }
    })
  return { live, mock, liveSummary: summarize(live), comparisons, ...(accountCreation ? { accountCreation } : {}) }
}

/** The mechanical scope of the recorded set: counts by area, and every out-of-scope exchange with its reason. */
export function scopeInventory(capturesDir?: string): {
  total: number
  inScope: number
  byArea: Record<string, number>
  outOfScope: { key: string; file: string; reason: string }[]
  needsClock: string[]
} {
  const captures = allCaptures(capturesDir)
  const byArea: Record<string, number> = {}
  const outOfScope: { key: string; file: string; reason: string }[] = []
  const needsClock: string[] = []
  for (const c of captures) {
    const s = scopeOf(c)
    byArea[s.area] = (byArea[s.area] ?? 0) + 1
    if (!s.inScope) outOfScope.push({ key: c.key, file: c.file, reason: s.reason! })
    if (s.needsClock) needsClock.push(c.key)
  }
  return { total: captures.length, inScope: captures.length - outOfScope.length, byArea, outOfScope, needsClock }
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
}
