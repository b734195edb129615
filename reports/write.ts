import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { renderHtml } from './html.ts'
import { renderJson } from './json.ts'
import { renderJunit } from './junit.ts'
import { renderMarkdown } from './markdown.ts'
import type { RunReport } from './schema.ts'

/** The report files a run can write. */
export type ReportFormat = 'json' | 'junit' | 'markdown' | 'html'

/** Every format, in the order they are written. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'markdown', 'html']

/** File name and renderer of each format; every renderer is a pure function of the report. */
export const REPORT_FILES: Record<ReportFormat, { file: string; render: (report: RunReport) => string }> = {
  json: { file: 'report.json', render: renderJson },
  junit: { file: 'junit.xml', render: renderJunit },
  markdown: { file: 'summary.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
}

/** Why a path cannot be written: the errno code with the system's words, or the message. */
function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e?.code ? `${e.code}: ${e.message.replace(/^\w+: /, '')}` : String(e?.message ?? err)
}

/**
 * Writes `text` as `path` without ever writing through what is there: to a fresh temporary name in the same
 * directory (created exclusively, so a file or symlink planted under that name is refused, not followed), then
 * renamed over `path` (a symlink at `path` is replaced, its target untouched). A reader sees the old file or the
 * whole new one, never half of it.
 */
export async function writeFileReplacing(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temp, 'wx', 0o644)
  try {
    await handle.writeFile(text)
    await handle.close()
    await rename(temp, path)
  } catch (err) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw err
  }
}

/**
 * Makes sure the report directory exists and takes a new file, before a run starts: a mistyped or read-only
 * `--report-dir` is then a usage error in a second, not a lost report after the whole run. Throws an Error
 * whose message says why.
 */
export async function prepareReportDir(dir: string): Promise<string> {
  const target = resolve(dir)
  try {
    await mkdir(target, { recursive: true })
  } catch (err) {
    throw new Error(`cannot create the directory (${why(err)})`)
  }
  const probe = join(target, `.write-check.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  try {
    await (await open(probe, 'wx', 0o644)).close()
  } catch (err) {
    throw new Error(`cannot write in the directory (${why(err)})`)
  }
  await unlink(probe).catch(() => undefined)
  return target
}

/** The outcome of writing the report files: what was written, and what could not be, with the reason. */
export interface WrittenReports {
  written: string[]
  failed: { path: string; reason: string }[]
}

/**
 * Writes each format on its own (all four unless `formats` says otherwise) into `dir`: a renderer or a write that
 * fails costs that file only, the others are still written.
 */
export async function writeReportFiles(dir: string, report: RunReport, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<WrittenReports> {
  const target = resolve(dir)
  const out: WrittenReports = { written: [], failed: [] }
  try {
    await mkdir(target, { recursive: true })
  } catch (err) {
    for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
      out.failed.push({ path: join(target, REPORT_FILES[format].file), reason: `cannot create the directory (${why(err)})` })
    }
    return out
  }
  for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
    const { file, render } = REPORT_FILES[format]
    const path = join(target, file)
    try {
      await writeFileReplacing(path, render(report))
      out.written.push(path)
    } catch (err) {
      out.failed.push({ path, reason: why(err) })
    }
  }
  return out
}

/** Writes the run's report files into `dir` and returns their paths; throws, once all were tried, if one failed. */
export async function writeReports(dir: string, report: RunReport, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<string[]> {
  const { written, failed } = await writeReportFiles(dir, report, formats)
  if (failed.length > 0) throw new Error(failed.map((f) => `could not write ${f.path}: ${f.reason}`).join('; '))
  return written
}
