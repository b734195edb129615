import { collectMatrix, type Matrix, type MatrixOptions } from '../matrix.ts'
import { runBffSuite, type BffTarget } from './runner.ts'
import type { BffScenario } from './scenario.ts'

/** Runs every BFF scenario against every backend variant and collects the verdicts (like harness/matrix.ts). */
export function runBffMatrix(
  scenarios: readonly BffScenario[],
  variants: readonly BffTarget[],
  options: MatrixOptions = {},
): Promise<Matrix> {
  const concurrency = options.concurrency ?? 2
  return collectMatrix(
    scenarios,
    variants.map((target) => ({ name: target.name, run: () => runBffSuite({ scenarios, target, concurrency }) })),
    options,
  )
}
