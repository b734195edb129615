import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyBaseline, baselineFailed, readBaseline as readWith } from '../../reports/baseline.ts'
import { defaultVocabulary } from '../../harness/baseline-vocabulary.ts'

const readBaseline = (path: string) => readWith(path, defaultVocabulary())
import { renderHtml } from '../../reports/html.ts'
import { renderJunit } from '../../reports/junit.ts'
import { renderMarkdown } from '../../reports/markdown.ts'
import type { RunReport } from '../../reports/schema.ts'
import { writeReports } from '../../reports/write.ts'
import { sampleReport } from './sample-report.ts'

let report: RunReport
let dir: string
beforeAll(async () => {
  report = await sampleReport()
  dir = await mkdtemp(join(tmpdir(), 'aoc-write-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('writeReports', () => {
  it('writes report.json, junit.xml, summary.md and report.html by default and returns their paths', async () => {
    const target = join(dir, 'all')
    const paths = await writeReports(target, report)
    expect(paths).toEqual(['report.json', 'junit.xml', 'summary.md', 'report.html'].map((f) => join(target, f)))
    expect(JSON.parse(await readFile(paths[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)))
    expect(await readFile(paths[1]!, 'utf8')).toBe(renderJunit(report))
    expect(await readFile(paths[2]!, 'utf8')).toBe(renderMarkdown(report))
    expect(await readFile(paths[3]!, 'utf8')).toBe(renderHtml(report))
  })

  it('writes only the formats asked for, in a fixed order', async () => {
    const target = join(dir, 'some')
    const paths = await writeReports(target, report, ['html', 'json'])
    expect(paths).toEqual([join(target, 'report.json'), join(target, 'report.html')])
    expect((await readdir(target)).sort()).toEqual(['report.html', 'report.json'])
  })
})

describe('baseline against a real run', () => {
  it('knows every check id a real report contains', () => {
    const checks = new Set(defaultVocabulary().checks)
    const seen = new Set(report.scenarios.flatMap((s) => s.checks.map((c) => c.checkId)))
    expect([...seen].filter((id) => !checks.has(id))).toEqual([])
  })

  it('reads a baseline file, passes the listed failures and fails on a stale entry', async () => {
    const file = join(dir, 'baseline.txt')
    await writeFile(
      file,
      [
        '# expected failures',
        'callback-iss-mismatch:scenario.expectation   the self-test flaw masks a bad iss',
        'sign-out-revokes                             init crashes on purpose: a harness check, so it still fails',
        'restore-session                              skipped here: unchecked, not stale',
      ].join('\n'),
    )
    const entries = await readBaseline(file)
    const ok = applyBaseline(report, entries)
    expect(ok.failing.map((f) => `${f.scenario}:${f.check.checkId}`)).toEqual(['sign-out-revokes:harness.run'])
    expect(ok.baselined.map((b) => `${b.scenario}:${b.check.checkId}`)).toEqual(['callback-iss-mismatch:scenario.expectation'])
    expect(ok.unchecked.map((e) => e.scenario)).toEqual(['sign-out-revokes', 'restore-session'])
    expect(baselineFailed(ok)).toBe(true)

    await writeFile(file, 'login-with-handle  fixed long ago\n')
    const stale = applyBaseline(report, await readBaseline(file))
    expect(stale.stale.map((s) => s.message)).toEqual(['baseline.txt:1: login-with-handle no longer fails (now PASS); remove the entry'])
    expect(baselineFailed(stale)).toBe(true)

    await writeFile(file, 'callback-iss-mismatch: scenario.expectation\n')
    await expect(readBaseline(file)).rejects.toThrow(
      'baseline.txt:1: "callback-iss-mismatch: scenario.expectation" has a space after the colon; write callback-iss-mismatch:scenario.expectation',
    )
    await expect(readBaseline(join(dir, 'missing.txt'))).rejects.toThrow(/missing\.txt: cannot read the file \(ENOENT\)/)
  })
})
