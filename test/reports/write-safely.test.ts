import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../reports/schema.ts'
import { prepareReportDir, writeReportFiles, writeReports } from '../../reports/write.ts'
import { runChild } from '../support/child.ts'
import { sampleReport } from './sample-report.ts'

const BIN = new URL('../../bin/atproto-oauth-conformance.js', import.meta.url).pathname
let report: RunReport
let dir: string
beforeAll(async () => {
  report = await sampleReport()
  dir = await mkdtemp(join(tmpdir(), 'aoc-write-safely-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('report files are written safely', () => {
  it('replaces a symlink planted at report.json instead of writing through it; no temporary file is left', async () => {
    const target = join(dir, 'planted')
    await mkdir(target)
    const victim = join(dir, 'victim.txt')
    await writeFile(victim, 'keep me\n')
    await symlink(victim, join(target, 'report.json'))
    await writeReports(target, report)
    expect(await readFile(victim, 'utf8')).toBe('keep me\n')
    expect((await lstat(join(target, 'report.json'))).isSymbolicLink()).toBe(false)
    expect(JSON.parse(await readFile(join(target, 'report.json'), 'utf8')).schemaVersion).toBe(report.schemaVersion)
    expect((await readdir(target)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md'])
  })

  it('writes each format on its own: one that cannot be written is named, the other three are there', async () => {
    const target = join(dir, 'one-blocked')
    // A directory where junit.xml should go: the rename over it fails.
    await mkdir(join(target, 'junit.xml'), { recursive: true })
    await writeFile(join(target, 'junit.xml', 'inside'), 'x')
    const { written, failed } = await writeReportFiles(target, report)
    expect(written).toEqual(['report.json', 'summary.md', 'report.html'].map((f) => join(target, f)))
    expect(failed.map((f) => f.path)).toEqual([join(target, 'junit.xml')])
    expect(failed[0]!.reason).toMatch(/^E[A-Z]+: /)
    expect((await readdir(target)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md'])
    await expect(writeReports(target, report)).rejects.toThrow(`could not write ${join(target, 'junit.xml')}: `)
  })

  it('checks the report directory before a run: it is created, and one that cannot be is refused with the reason', async () => {
    const fresh = join(dir, 'a', 'b', 'c')
    expect(await prepareReportDir(fresh)).toBe(fresh)
    expect(await readdir(fresh)).toEqual([])
    const file = join(dir, 'a-file')
    await writeFile(file, '')
    await expect(prepareReportDir(join(file, 'reports'))).rejects.toThrow(/^cannot create the directory \(ENOTDIR: /)
  })

  it('run with a --report-dir that cannot be written exits 2 with one line, before any scenario runs', async () => {
    const file = join(dir, 'not-a-dir')
    await writeFile(file, '')
    const run = await runChild(process.execPath, [BIN, 'run', '--scenario', 'login-with-did', '--report-dir', join(file, 'reports')], {
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(run.code, run.stderr).toBe(2)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^error: --report-dir ${join(file, 'reports').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot create the directory \\(ENOTDIR: `))
    expect(run.stdout).not.toContain('scenario(s)')
  })
})
