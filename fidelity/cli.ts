/**
 * `npm run fidelity` — how faithfully the mocks answer like the recorded reference server.
 *
 *   npm run fidelity                                  recorded probe against a World (reference, self-hosted)
 *   npm run fidelity -- --all                         the four World runs (reference|strict × self-hosted|entryway)
 *   npm run fidelity -- --profile strict --topology entryway
 *   npm run fidelity -- --live http://localhost:2583 [--handle h --password p] [--create-account]
 *                                                     a running server, compared with the recording and a World
 *
 * Prints a table (capture, match / differ, differing fields), the plain line `N matched, N differ`, and writes
 * the result to conformance-report/fidelity.json. Exit code: 0 when every difference is a listed deviation
 * and no entry is stale (live: when the mock and the server agree), 1 otherwise, 2 for a usage mistake.
 */
import Table from 'cli-table3'
import { Command, InvalidArgumentError } from 'commander'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pc from 'picocolors'
import { CAPTURE_FOLDERS, type CaptureFolder } from './captures.ts'
import type { FieldDifference } from './compare.ts'
import { loadDeviations, reconciled } from './deviations.ts'
import { isLoopbackUrl } from './http.ts'
import { packageVersion, runLive, runRecorded, scopeInventory, WORLD_RUNS, type LiveRun, type RecordedRun } from './runs.ts'
import type { UiKind } from './target.ts'

/** One line per row: no separator between rows. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }

const REFERENCE = '@atproto/pds 0.5.35 + @atproto/oauth-provider 0.22.9, recorded 2026-11-23 (shared/spec/reference-captures)'

interface Options {
  profile: 'reference' | 'strict'
  topology: 'self-hosted' | 'entryway'
  all?: boolean
  live?: string
  pds?: string
  handle?: string
  password?: string
  ui: UiKind
  createAccount?: boolean
  email: string
  folder?: CaptureFolder[]
  captures?: string
  json: string
  differences?: boolean
}

function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`)
    return value as T
  }
}

function loopback(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError('not a URL')
  }
  if (!isLoopbackUrl(url)) throw new InvalidArgumentError('the probe only contacts http loopback addresses (127.0.0.1, localhost, [::1])')
  return url.origin
}

function collectFolder(value: string, previous: CaptureFolder[] = []): CaptureFolder[] {
  return [...previous, oneOf(CAPTURE_FOLDERS)(value)]
}

function show(v: unknown): string {
  if (v === undefined) return '∅'
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > 60 ? `${s.slice(0, 57)}…` : s
}

function fieldList(differences: readonly FieldDifference[], verbose = false): string {
  return differences.map((d) => (verbose ? `${d.field}: ${show(d.recorded)} → ${show(d.observed)}` : d.field)).join(verbose ? '\n' : ', ')
}

function renderRecorded(run: RecordedRun, onlyDifferences: boolean): string {
  const { probe, summary, reconciliation } = run
  const listed = new Map(reconciliation.accepted.map((a) => [a.key, a]))
  const table = new Table({ head: ['capture', 'result', 'differing fields'], style: { head: [], border: [] }, chars: COMPACT })
  const rows = probe.results.filter((r) => r.outcome === 'match' || r.outcome === 'differ')
  for (const r of rows) {
    if (onlyDifferences && r.outcome === 'match') continue
    const accepted = listed.get(r.key)
    const result =
      r.outcome === 'match'
        ? pc.green('match')
        : accepted
          ? pc.yellow(`differ (${accepted.requirement ?? 'listed'})`)
          : pc.red('differ (UNLISTED)')
    table.push([r.key, result, fieldList(r.differences, !accepted)])
  }
  const lines = [pc.bold(`fidelity — ${probe.target}: ${summary.compared} in-scope exchanges compared with ${REFERENCE}`)]
  if (table.length > 0) lines.push(table.toString())
  for (const s of reconciliation.stale) lines.push(pc.red(`  stale deviation entry: ${s.capture} — ${s.why}`))
  for (const i of reconciliation.invalid) lines.push(pc.red(`  invalid deviation entry: ${i}`))
  lines.push(`${summary.matched} matched, ${summary.differ} differ`)
  const originDependent = probe.results.filter((r) => r.originDependent).length
  lines.push(
    pc.dim(
      `(${reconciliation.accepted.length} listed deviations, ${reconciliation.unlisted.length} unlisted, ${reconciliation.stale.length} stale entries; ` +
        `${summary.followUps} side-effect follow-ups; ${summary.outOfScope} out of scope, ${summary.skipped} skipped` +
        `${originDependent ? `; ${originDependent} origin-dependent shared-nonce checks not run` : ''}; ${(probe.durationMs / 1000).toFixed(2)} s)`,
    ),
  )
  return lines.join('\n')
}

function renderLive(run: LiveRun, onlyDifferences: boolean): string {
  const table = new Table({
    head: ['capture', 'live vs recording', 'mock vs live', 'fields where the mock and the live server differ'],
    style: { head: [], border: [] },
    chars: COMPACT,
  })
  const color = (o: string) => (o === 'match' ? pc.green(o) : o === 'differ' ? pc.red(o) : pc.dim(o))
  for (const c of run.comparisons) {
    if (onlyDifferences && c.mock !== 'differ' && c.live !== 'differ') continue
    table.push([c.key, color(c.live), color(c.mock), fieldList(c.mockDifferences, true)])
  }
  const mockCompared = run.comparisons.filter((c) => c.mock !== 'not compared')
  const lines = [pc.bold(`fidelity — ${run.live.target} against the recording and against ${run.mock.target}`)]
  if (run.accountCreation) {
    const a = run.accountCreation
    lines.push(pc.dim(`account creation: ${a.status}${a.error ? ` ${a.error}` : ''}${a.message ? ` (${a.message})` : ''}`))
  }
  lines.push(table.toString())
  lines.push(`${mockCompared.filter((c) => c.mock === 'match').length} matched, ${mockCompared.filter((c) => c.mock === 'differ').length} differ`)
  const s = run.liveSummary
  lines.push(
    pc.dim(
      `(mock vs live server; the live server vs the recording: ${s.matched} matched, ${s.differ} differ; ` +
        `${s.skipped} skipped, ${s.outOfScope} out of scope; ${((run.live.durationMs + run.mock.durationMs) / 1000).toFixed(2)} s)`,
    ),
  )
  return lines.join('\n')
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('npm run fidelity --')
    .description('Replays the recorded reference exchanges against the mocks (or a running server) and compares the answers.')
    .option('--profile <name>', 'World profile: reference or strict', oneOf(['reference', 'strict'] as const), 'reference')
    .option('--topology <name>', 'World topology: self-hosted or entryway', oneOf(['self-hosted', 'entryway'] as const), 'self-hosted')
    .option('--all', 'the four World runs (reference and strict, self-hosted and entryway)')
    .option('--live <base-url>', 'probe a running server (loopback http only) and compare it with a World', loopback)
    .option('--pds <url>', 'live: the PDS origin when it is not the base URL (entryway setup)', loopback)
    .option('--handle <handle>', 'live: the account to sign in with (default alice.test)')
    .option('--password <password>', 'live: its password (default alice-pass)')
    .option('--ui <kind>', 'live: sign-in UI — auto, reference (the oauth-provider UI API) or mock', oneOf(['auto', 'reference', 'mock'] as const), 'auto')
    .option('--create-account', 'live: first create the account the way the recording did (com.atproto.server.createAccount)')
    .option('--email <email>', 'live: e-mail for --create-account', 'alice@example.com')
    .option('--folder <folder>', `only these capture folders (${CAPTURE_FOLDERS.join(', ')}); repeatable`, collectFolder)
    .option('--captures <dir>', 'a raw capture directory instead of the vendored fidelity/captures')
    .option('--json <file>', 'where to write the JSON result', 'conformance-report/fidelity.json')
    .option('--differences', 'list only the captures that differ')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  try {
    program.parse(argv, { from: 'user' })
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode
    return code === 0 ? 0 : 2
  }
  const o = program.opts<Options>()
  if (o.captures) process.env.FIDELITY_CAPTURES_DIR = resolve(o.captures)
  const capturesDir = o.captures ? resolve(o.captures) : undefined
  const base = {
    tool: 'atproto-oauth-conformance fidelity',
    version: packageVersion(),
    generatedAt: new Date().toISOString(),
    reference: REFERENCE,
    captures: capturesDir ?? 'fidelity/captures (vendored)',
    scope: scopeInventory(capturesDir),
  }
  let out: unknown
  let code: number
  if (o.live) {
    let run: LiveRun
    try {
      run = await runLive({
        base: o.live,
        pds: o.pds,
        handle: o.handle,
        password: o.password,
        ui: o.ui,
        folders: o.folder,
        capturesDir,
        ...(o.createAccount ? { createAccount: { email: o.email } } : {}),
      })
    } catch (err) {
      process.stderr.write(`${pc.red('error')}: ${(err as Error).message}\n`)
      return 1
    }
    console.log(renderLive(run, !!o.differences))
    out = {
      ...base,
      mode: 'live',
      live: { run: run.live, summary: run.liveSummary, accountCreation: run.accountCreation },
      mock: { run: run.mock },
      comparisons: run.comparisons,
    }
    code = run.comparisons.some((c) => c.mock === 'differ') ? 1 : 0
  } else {
    const deviations = loadDeviations()
    const plan = o.all ? WORLD_RUNS : [{ profile: o.profile, topology: o.topology }]
    const runs: RecordedRun[] = []
    for (const { profile, topology } of plan) {
      const run = await runRecorded({ profile, topology, folders: o.folder, capturesDir, deviations })
      runs.push(run)
      console.log(renderRecorded(run, !!o.differences || (o.all === true && runs.length > 1)))
      console.log('')
    }
    out = {
      ...base,
      mode: 'recorded',
      runs: runs.map((r) => ({
        run: r.probe.run,
        target: r.probe.target,
        durationMs: r.probe.durationMs,
        summary: r.summary,
        reconciliation: r.reconciliation,
        // Facts are kept where the two sides differ; a match means they equal the recording's.
        results: r.probe.results.map(({ recorded, observed, ...rest }) =>
          rest.outcome === 'differ' ? { ...rest, recorded, observed } : rest,
        ),
      })),
    }
    code = runs.every((r) => reconciled(r.reconciliation)) ? 0 : 1
  }
  const file = resolve(o.json)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`)
  console.log(pc.dim(`result written to ${o.json}`))
  return code
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`${pc.red('fidelity probe failed')}: ${(err as Error).stack ?? err}\n`)
    process.exitCode = 1
  },
)
