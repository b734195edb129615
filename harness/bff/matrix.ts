import type { Matrix } from '../matrix.ts'
import { runBffSuite, type BffTarget } from './runner.ts'
import type { BffScenario } from './scenario.ts'

/** Runs every BFF scenario against every backend variant and collects the verdicts (like harness/matrix.ts). */
export async function runBffMatrix(
  scenarios: readonly BffScenario[],
  variants: readonly BffTarget[],
  options: { concurrency?: number; onVariant?(name: string, index: number, total: number): void } = {},
): Promise<Matrix> {
  const matrix: Matrix = Object.fromEntries(scenarios.map((s) => [s.id, {}]))
  for (const [i, target] of variants.entries()) {
    options.onVariant?.(target.name, i, variants.length)
    const report = await runBffSuite({ scenarios, target, concurrency: options.concurrency ?? 2 })
    for (const r of report.scenarios) {
      matrix[r.id]![target.name] = {
        verdict: r.verdict,
        failing: r.checks.filter((c) => c.status === 'FAIL' || c.status === 'WARN' || c.status === 'ERROR').map((c) => c.checkId),
      }
    }
  }
  return matrix
}
