/**
 * `merge-reports <dir...> --out <dir>`: joins the report.json files of sharded runs (`run --shard i/n`, one CI
 * job each) into one report and writes it in every format with the same writers as `run`. The merged report is
 * the one an unsharded run of the same scenarios gives, timing aside: scenarios in catalog order, totals and
 * spec coverage recomputed, the run's start the earliest shard's and its duration the shards' added up. The exit
 * code follows `run`'s rules (docs/ci.md#sharded-runs).
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import pc from 'picocolors'
import { tally } from '../model/verdict.ts'
import { HarnessError } from '../protocol/errors.ts'
import { judgeRun, readBaseline, resultLines } from '../reports/baseline.ts'
import { prepareReportDir, writeReportFiles } from '../reports/write.ts'
import type { RunReport } from '../reports/schema.ts'
import { REQUIREMENTS } from '../scenarios/catalog.ts'
import { ALWAYS_ON_CHECKS } from '../scenarios/checks/index.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { BFF_SCENARIOS } from '../scenarios/bff/index.ts'
import { defaultVocabulary } from './baseline-vocabulary.ts'
import { consoleText, summary } from './console.ts'
import { loadExclusions, reportCoverage } from './coverage.ts'
import { packageFile } from '../model/package-file.ts'

/** One shard's report and where it was read from (named in every error). */
export interface ShardReport {
  source: string
  report: RunReport
}

let validator: ReturnType<Ajv2020['compile']> | undefined
async function validate(report: unknown): Promise<string | undefined> {
  if (!validator) {
    const schema = JSON.parse(await readFile(packageFile('reports/report.schema.json'), 'utf8'))
    validator = new Ajv2020({ allErrors: false, validateFormats: false }).compile(schema)
  }
  if (validator(report)) return undefined
  const [e] = validator.errors ?? []
  return e ? `${e.instancePath || '/'} ${e.message}` : 'not a report'
}

/** Reads `<dir>/report.json` (or the file itself when given one); a missing or malformed report is a usage error. */
export async function readShardReport(path: string): Promise<ShardReport> {
  const source = (await stat(path).catch(() => undefined))?.isDirectory() ? join(path, 'report.json') : path
  const text = await readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new HarnessError('ERR_CONFIG', `${source}: cannot read it (${err.code ?? err.message})`)
  })
  let report: unknown
  try {
    report = JSON.parse(text)
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `${source}: not JSON (${(err as Error).message})`)
  }
  const version = (report as { schemaVersion?: unknown } | null)?.schemaVersion
  if (version !== 1) throw new HarnessError('ERR_CONFIG', `${source}: not a report.json of schemaVersion 1 (schemaVersion ${JSON.stringify(version)})`)
  const invalid = await validate(report)
  if (invalid) throw new HarnessError('ERR_CONFIG', `${source}: not a valid report.json: ${invalid}`)
  return { source, report: report as RunReport }
}

/** The same value in every shard, or a usage error naming the first that differs. */
function same<T>(inputs: readonly ShardReport[], what: string, get: (r: RunReport) => T): T {
  const first = JSON.stringify(get(inputs[0]!.report))
  const other = inputs.find((i) => JSON.stringify(get(i.report)) !== first)
  if (other) {
    throw new HarnessError('ERR_CONFIG', `the reports are not of one run: ${what} is ${first ?? 'unset'} in ${inputs[0]!.source} but ${JSON.stringify(get(other.report)) ?? 'unset'} in ${other.source}`)
  }
  return get(inputs[0]!.report)
}

/** Every shard exactly once, or a usage error that names what is missing, doubled or of another split. */
function checkShards(inputs: readonly ShardReport[]): void {
  const sharded = inputs.filter((i) => i.report.shard)
  if (sharded.length === 0) return
  const plain = inputs.find((i) => !i.report.shard)
  if (plain) throw new HarnessError('ERR_CONFIG', `${plain.source} is not a shard's report (no "shard"), but ${sharded[0]!.source} is`)
  const { count } = same(inputs, 'the split (shard count and scenarios selected)', (r) => ({ count: r.shard!.count, selected: r.shard!.selected }))
  const seen = new Map<number, string>()
  for (const { source, report } of inputs) {
    const twice = seen.get(report.shard!.index)
    if (twice) throw new HarnessError('ERR_CONFIG', `shard ${report.shard!.index}/${count} is given twice: ${twice} and ${source}`)
    seen.set(report.shard!.index, source)
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i))
  if (missing.length) throw new HarnessError('ERR_CONFIG', `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: the merged report would leave out scenarios`)
}

/** Joins the shards' reports into the report one unsharded run gives (timing aside). */
export function mergeReports(inputs: readonly ShardReport[]): RunReport {
  if (inputs.length === 0) throw new HarnessError('ERR_CONFIG', 'no report to merge')
  same(inputs, 'the tool version', (r) => r.tool.version)
  const client = same(inputs, 'the client', (r) => r.client)
  const profile = same(inputs, 'the --profile', (r) => r.profile)
  const topology = same(inputs, 'the --topology', (r) => r.topology)
  checkShards(inputs)
  const from = new Map<string, string>()
  for (const { source, report } of inputs) {
    for (const s of report.scenarios) {
      const before = from.get(s.id)
      if (before) throw new HarnessError('ERR_CONFIG', `scenario ${s.id} is in ${before} and in ${source}: each scenario must come from one report`)
      from.set(s.id, source)
    }
  }
  const selected = inputs[0]!.report.shard?.selected
  if (selected !== undefined && from.size !== selected) throw new HarnessError('ERR_CONFIG', `the shards hold ${from.size} scenario(s), but the run selected ${selected}`)
  // Catalog order, as an unsharded run lists them; an id the catalog does not know goes last, by id.
  const order = new Map([...SCENARIOS, ...BFF_SCENARIOS].map((s, i) => [s.id, i]))
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER
  // Judged again over the whole (merge-reports --baseline): a shard's own baseline marks do not carry over.
  const scenarios = inputs
    .flatMap((i) => i.report.scenarios)
    .map((s) => ({ ...s, checks: s.checks.map(({ baselined: _known, ...check }) => check) }))
    .sort((a, b) => rank(a.id) - rank(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const startedAt = inputs.map((i) => i.report.startedAt).sort()[0]!
  return {
    schemaVersion: 1,
    tool: inputs[0]!.report.tool,
    startedAt,
    durationMs: inputs.reduce((ms, i) => ms + i.report.durationMs, 0),
    client,
    profile,
    topology,
    // Redacted only when every shard was: one --no-redact shard puts secrets in the merged report.
    redacted: inputs.every((i) => i.report.redacted),
    ...(inputs.some((i) => i.report.incomplete) ? { incomplete: true as const } : {}),
    totals: { ...tally(scenarios.map((s) => s.verdict)), scenarios: scenarios.length },
    scenarios,
    coverage: reportCoverage(REQUIREMENTS.values(), scenarios, ALWAYS_ON_CHECKS, loadExclusions()),
  }
}

/** The command: read, merge, write every format, print the summary, set the exit code as `run` does. */
export async function mergeReportsCommand(paths: string[], opts: { out: string; baseline?: string }): Promise<void> {
  const baseline = opts.baseline ? await readBaseline(opts.baseline, defaultVocabulary()) : undefined
  const inputs: ShardReport[] = []
  for (const path of paths) inputs.push(await readShardReport(path))
  const merged = mergeReports(inputs)
  await prepareReportDir(opts.out).catch((err: Error) => {
    throw new HarnessError('ERR_CONFIG', `--out ${opts.out}: ${err.message}`)
  })
  // Judged as a run is (reports/baseline.ts judgeRun), so every merged file says what the exit code says.
  const judged: ReturnType<typeof judgeRun> = merged.incomplete ? { report: merged } : judgeRun(merged, baseline && { file: opts.baseline!, entries: baseline })
  const report = judged.report
  console.log(pc.bold(`atproto-oauth-conformance — merged ${inputs.length} report(s) of client ${consoleText(report.client.name)} (${report.client.driver}), ${report.scenarios.length} scenario(s)`))
  console.log(summary(report))
  const files = await writeReportFiles(opts.out, report)
  for (const file of files.written) console.log(`report written to ${file}`)
  for (const { path, reason } of files.failed) console.error(pc.red(`error: could not write ${path}: ${reason}`))
  if (report.incomplete) {
    // The signal that stopped a shard is not in its report: an incomplete merge fails the job (1).
    console.log(pc.yellow('a shard was interrupted: the merged report is incomplete'))
    process.exitCode = 1
    return
  }
  const { lines, failed } = resultLines(report, judged.outcome, opts.baseline)
  for (const line of lines) console.log(line.startsWith('result: ') ? (failed ? pc.red(line) : pc.green(line)) : line)
  process.exitCode = failed || files.failed.length > 0 ? 1 : 0
}
