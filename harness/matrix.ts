import type { Driver } from './drivers/types.ts'
import { runSuite } from './runner.ts'
import type { Scenario } from './scenario.ts'
import type { Status } from '../model/verdict.ts'
import type { RunReport } from '../reports/schema.ts'

/** One client variant of the detection matrix: a name and a driver factory. */
export interface Variant {
  name: string
  driver: () => Driver | Promise<Driver>
}

/** What one variant got on one scenario: its verdict and the checks that did not pass. */
export interface MatrixCell {
  verdict: Status
  failing: string[]
}

/** scenario id → variant name → cell */
export type Matrix = Record<string, Record<string, MatrixCell>>

/** Runs every scenario against every variant and collects the verdicts. */
export function runMatrix(
  scenarios: readonly Scenario[],
  variants: readonly Variant[],
  options: MatrixOptions = {},
): Promise<Matrix> {
  const concurrency = options.concurrency ?? 2
  return collectMatrix(
    scenarios,
    variants.map((v) => ({ name: v.name, run: () => runSuite({ scenarios, driver: v.driver, clientName: v.name, concurrency }) })),
    options,
  )
}

export interface MatrixOptions {
  concurrency?: number
  onVariant?(name: string, index: number, total: number): void
}

/** Runs each variant's suite in turn and files its verdicts, with the checks that did not pass, by scenario. */
export async function collectMatrix(
  scenarios: readonly { id: string }[],
  runs: readonly { name: string; run: () => Promise<Pick<RunReport, 'scenarios'>> }[],
  options: Pick<MatrixOptions, 'onVariant'> = {},
): Promise<Matrix> {
  const matrix: Matrix = Object.fromEntries(scenarios.map((s) => [s.id, {}]))
  for (const [i, variant] of runs.entries()) {
    options.onVariant?.(variant.name, i, runs.length)
    const report = await variant.run()
    for (const r of report.scenarios) {
      matrix[r.id]![variant.name] = {
        verdict: r.verdict,
        failing: r.checks.filter((c) => c.status === 'FAIL' || c.status === 'WARN' || c.status === 'ERROR').map((c) => c.checkId),
      }
    }
  }
  return matrix
}

/** Whether a cell shows the flaw was caught: a FAIL, or a WARN for a SHOULD requirement. */
export function detected(cell: MatrixCell | undefined): boolean {
  return cell?.verdict === 'FAIL' || cell?.verdict === 'WARN'
}
