import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { RunReport } from './schema.ts'

/** Writes the run's report files into `dir` and returns their paths. */
export async function writeReports(dir: string, report: RunReport): Promise<string[]> {
  const target = resolve(dir)
  await mkdir(target, { recursive: true })
  const file = join(target, 'report.json')
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  return [file]
}
