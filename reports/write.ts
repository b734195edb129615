import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { renderHtml } from './html.ts'
import { renderJunit } from './junit.ts'
import { renderMarkdown } from './markdown.ts'
import type { RunReport } from './schema.ts'

/** The report files a run can write. */
export type ReportFormat = 'json' | 'junit' | 'markdown' | 'html'

/** Every format, in the order they are written. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'markdown', 'html']

/** File name and renderer of each format; every renderer is a pure function of the report. */
export const REPORT_FILES: Record<ReportFormat, { file: string; render: (report: RunReport) => string }> = {
  json: { file: 'report.json', render: (report) => `${JSON.stringify(report, null, 2)}\n` },
  junit: { file: 'junit.xml', render: renderJunit },
  markdown: { file: 'summary.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
}

/** Writes the run's report files (all four formats unless `formats` says otherwise) into `dir` and returns their paths. */
export async function writeReports(dir: string, report: RunReport, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<string[]> {
  const target = resolve(dir)
  await mkdir(target, { recursive: true })
  const paths: string[] = []
  for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
    const { file, render } = REPORT_FILES[format]
    const path = join(target, file)
    await writeFile(path, render(report))
    paths.push(path)
  }
  return paths
}
