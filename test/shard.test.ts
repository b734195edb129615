import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import createMinimalClient from '../examples/clients/minimal/index.ts'
import { mergeReports, readShardReport, type ShardReport } from '../harness/merge-reports.ts'
import { runFailed, runSuite } from '../harness/runner.ts'
import { parseShard, selectShard, type Shard } from '../harness/shard.ts'
import type { RunReport } from '../reports/schema.ts'
import { REPORT_FILES, REPORT_FORMATS } from '../reports/write.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { runChild } from './support/child.ts'

/** A subset with a FAIL for the flawed client (callback-iss-mismatch) among good paths and other negatives. */
const IDS = ['login-with-handle', 'callback-iss-mismatch', 'callback-state-tampered', 'refresh-rotation', 'sign-out-revokes', 'pds-call-with-nonce', 'callback-access-denied']
const SUBSET = SCENARIOS.filter((s) => IDS.includes(s.id))
const FLAW = 'skip-iss-check'

describe('--shard i/n', () => {
  it('parses i/n with 1 ≤ i ≤ n and refuses anything else with what is expected', () => {
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 })
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 })
    for (const bad of ['0/4', '5/4', '1/0', '1', '1/2/3', 'a/b', '-1/2', '1.5/2', '']) {
      expect(() => parseShard(bad), bad).toThrow(`--shard ${bad}: expected i/n with 1 ≤ i ≤ n, e.g. 1/4`)
    }
  })

  it('puts every scenario in exactly one part, parts differing in size by one at most, whatever the catalog order', () => {
    for (const count of [1, 2, 3, 7, 200]) {
      const parts = Array.from({ length: count }, (_, i) => selectShard(SCENARIOS, { index: i + 1, count }).map((s) => s.id))
      expect(parts.flat().sort(), `n=${count}`).toEqual(SCENARIOS.map((s) => s.id).sort())
      const sizes = parts.map((p) => p.length)
      expect(Math.max(...sizes) - Math.min(...sizes), `n=${count}`).toBeLessThanOrEqual(1)
      // Reversing and rotating the list (files renamed, moved between families) gives the same parts.
      const shuffled = [...SCENARIOS.slice(40), ...SCENARIOS.slice(0, 40)].reverse()
      const again = parts.map((_, i) => selectShard(shuffled, { index: i + 1, count }).map((s) => s.id).sort())
      expect(again).toEqual(parts.map((p) => [...p].sort()))
    }
    // A part keeps the order it was given: the catalog's, as an unsharded run lists them.
    const part = selectShard(SCENARIOS, { index: 1, count: 3 }).map((s) => s.id)
    expect(part).toEqual(SCENARIOS.map((s) => s.id).filter((id) => part.includes(id)))
  })
})

/** A report's content without what depends on time and randomness (durations, dates, transcripts, key material). */
function verdictsOf(report: RunReport) {
  return {
    client: report.client,
    totals: report.totals,
    coverage: report.coverage,
    incomplete: report.incomplete,
    scenarios: report.scenarios.map((s) => ({
      id: s.id,
      verdict: s.verdict,
      requirements: s.requirements,
      checks: s.checks.map((c) => [c.checkId, c.status, c.requirement]),
    })),
  }
}

/** What `run --shard` writes: the part's run with the split recorded. */
async function shardRun(shard: Shard): Promise<RunReport> {
  const report = await runSuite({ scenarios: selectShard(SUBSET, shard), driver: () => createMinimalClient({ flaw: FLAW }), clientName: 'minimal' })
  return { ...report, shard: { ...shard, selected: SUBSET.length } }
}

describe('merge-reports', () => {
  let whole: RunReport
  let parts: RunReport[]
  beforeAll(async () => {
    whole = await runSuite({ scenarios: SUBSET, driver: () => createMinimalClient({ flaw: FLAW }), clientName: 'minimal' })
    parts = []
    for (const index of [1, 2, 3]) parts.push(await shardRun({ index, count: 3 }))
  }, 120_000)
  const inputs = (reports: RunReport[]): ShardReport[] => reports.map((report, i) => ({ source: `shard-${i + 1}/report.json`, report }))

  it('gives the verdicts, checks, totals and coverage of one unsharded run, in its order', () => {
    expect(whole.totals.FAIL).toBe(1)
    expect(parts.map((p) => p.scenarios.length)).toEqual([3, 2, 2])
    // The order the shard reports are given in does not matter.
    const merged = mergeReports(inputs([parts[2]!, parts[0]!, parts[1]!]))
    expect(verdictsOf(merged)).toEqual(verdictsOf(whole))
    expect(merged.shard).toBeUndefined()
    expect(merged.durationMs).toBe(parts.reduce((ms, p) => ms + p.durationMs, 0))
    expect(merged.startedAt).toBe(parts.map((p) => p.startedAt).sort()[0])
  })

  it('is the inverse of the split: a report cut into shards merges back into the same report files, byte for byte', () => {
    const cut = [1, 2, 3].map((index): RunReport => {
      const ids = new Set(selectShard(SUBSET, { index, count: 3 }).map((s) => s.id))
      const scenarios = whole.scenarios.filter((s) => ids.has(s.id))
      return { ...whole, durationMs: index === 1 ? whole.durationMs : 0, scenarios, totals: { ...whole.totals }, shard: { index, count: 3, selected: SUBSET.length } }
    })
    const merged = mergeReports(inputs(cut.reverse()))
    expect(merged).toEqual(whole)
    for (const format of REPORT_FORMATS) expect(REPORT_FILES[format].render(merged), format).toBe(REPORT_FILES[format].render(whole))
  })

  it('refuses parts that do not make one run, naming the report', () => {
    const [a, b, c] = parts as [RunReport, RunReport, RunReport]
    expect(() => mergeReports(inputs([a, b]))).toThrow('shard 3/3 missing: the merged report would leave out scenarios')
    expect(() => mergeReports(inputs([a, b, b]))).toThrow('shard 2/3 is given twice: shard-2/report.json and shard-3/report.json')
    expect(() => mergeReports(inputs([a, b, { ...c, client: { name: 'official', driver: 'in-process' } }]))).toThrow(
      'the reports are not of one run: the client is {"name":"minimal","driver":"in-process"} in shard-1/report.json but {"name":"official","driver":"in-process"} in shard-3/report.json',
    )
    expect(() => mergeReports(inputs([a, b, { ...c, topology: 'self-hosted' }]))).toThrow('the --topology is unset in shard-1/report.json but "self-hosted" in shard-3/report.json')
    expect(() => mergeReports(inputs([a, { ...b, shard: undefined }]))).toThrow('shard-2/report.json is not a shard\'s report (no "shard"), but shard-1/report.json is')
    expect(() => mergeReports(inputs([a, b, { ...c, shard: { index: 3, count: 3, selected: 9 } }]))).toThrow('the reports are not of one run: the split')
    expect(() => mergeReports(inputs([a, b, { ...c, scenarios: [...c.scenarios, a.scenarios[0]!] }]))).toThrow(`scenario ${a.scenarios[0]!.id} is in shard-1/report.json and in shard-3/report.json`)
    expect(() => mergeReports(inputs([a, b, { ...c, scenarios: c.scenarios.slice(1) }]))).toThrow(`the shards hold ${IDS.length - 1} scenario(s), but the run selected ${IDS.length}`)
    expect(() => mergeReports([])).toThrow('no report to merge')
    // Reports of separate runs without --shard (e.g. one per family) merge when no scenario is in two of them.
    const plain = parts.map(({ shard: _shard, ...p }) => p)
    expect(verdictsOf(mergeReports(inputs(plain)))).toEqual(verdictsOf(whole))
  })

  it('keeps an interrupted shard visible (incomplete) and a --no-redact shard unredacted', () => {
    const [a, b, c] = parts as [RunReport, RunReport, RunReport]
    const merged = mergeReports(inputs([a, { ...b, incomplete: true }, { ...c, redacted: false }]))
    expect([merged.incomplete, merged.redacted]).toEqual([true, false])
  })

  describe('reading report.json', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aoc-merge-read-'))
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('reads a directory or the file, and refuses what is not a valid report with the path', async () => {
      await writeFile(join(dir, 'report.json'), JSON.stringify(parts[0]))
      expect((await readShardReport(dir)).report).toEqual(parts[0])
      expect((await readShardReport(join(dir, 'report.json'))).source).toBe(join(dir, 'report.json'))
      await expect(readShardReport(join(dir, 'none'))).rejects.toThrow(`${join(dir, 'none')}: cannot read it (ENOENT)`)
      await writeFile(join(dir, 'bad.json'), '{')
      await expect(readShardReport(join(dir, 'bad.json'))).rejects.toThrow(`${join(dir, 'bad.json')}: not JSON`)
      await writeFile(join(dir, 'v2.json'), JSON.stringify({ ...parts[0], schemaVersion: 2 }))
      await expect(readShardReport(join(dir, 'v2.json'))).rejects.toThrow('not a report.json of schemaVersion 1 (schemaVersion 2)')
      await writeFile(join(dir, 'shape.json'), JSON.stringify({ ...parts[0], totals: 'many' }))
      await expect(readShardReport(join(dir, 'shape.json'))).rejects.toThrow(`${join(dir, 'shape.json')}: not a valid report.json: /totals must be object`)
    })
  })

  const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname
  const cli = (...args: string[]) => runChild(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 60_000 })

  describe('the CLI: run --shard, then merge-reports', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aoc-merge-cli-'))
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('merges the shards into the four report files with the exit code an unsharded run gives', async () => {
      const run = (...more: string[]) => cli('run', '--client', 'minimal', '--client-option', `flaw=${FLAW}`, '--scenario', ...IDS, ...more)
      const [one, two] = await Promise.all([run('--shard', '1/2', '--report-dir', join(dir, 's1')), run('--shard', '2/2', '--report-dir', join(dir, 's2'))])
      // The FAIL is in one shard: that shard's job fails, the other passes.
      expect([one.code, two.code].sort(), one.stderr + two.stderr).toEqual([0, 1])
      const shard = JSON.parse(await readFile(join(dir, 's1', 'report.json'), 'utf8')) as RunReport
      expect(shard.shard).toEqual({ index: 1, count: 2, selected: IDS.length })

      await writeFile(join(dir, 'baseline.txt'), 'callback-iss-mismatch\n')
      const [merged, baselined, missing, badShard] = await Promise.all([
        cli('merge-reports', join(dir, 's2'), join(dir, 's1'), '--out', join(dir, 'merged')),
        cli('merge-reports', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'baselined'), '--baseline', join(dir, 'baseline.txt')),
        cli('merge-reports', join(dir, 's1'), '--out', join(dir, 'missing')),
        run('--shard', '3/2', '--report-dir', join(dir, 'bad')),
      ])
      expect([badShard.code, badShard.stderr.trim()]).toEqual([2, 'error: --shard 3/2: expected i/n with 1 ≤ i ≤ n, e.g. 1/4'])
      expect(merged.code, merged.stderr).toBe(1)
      expect(merged.stdout).toContain(`merged 2 report(s) of client minimal (flaw=${FLAW}) (in-process), ${IDS.length} scenario(s)`)
      for (const format of REPORT_FORMATS) expect(merged.stdout).toContain(`report written to ${join(dir, 'merged', REPORT_FILES[format].file)}`)
      const report = JSON.parse(await readFile(join(dir, 'merged', 'report.json'), 'utf8')) as RunReport
      // As the unsharded run of the same scenarios (in-process above, named without its client option), whose exit is 1 too.
      expect(verdictsOf({ ...report, client: whole.client })).toEqual(verdictsOf(whole))
      expect(runFailed(whole)).toBe(true)

      // The baseline rules of run: the listed FAIL passes the merge; a shard missing is a usage error (2).
      expect([baselined.code, baselined.stdout.includes('result: PASS (1 known failure(s)')], baselined.stdout).toEqual([0, true])
      expect([missing.code, missing.stderr.trim()]).toEqual([2, 'error: shard 2/2 missing: the merged report would leave out scenarios'])
    }, 120_000)
  })
})
