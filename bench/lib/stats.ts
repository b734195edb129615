/** Summary statistics of a sample of durations or sizes. */
export interface Summary {
  n: number
  min: number
  median: number
  p95: number
  max: number
  mean: number
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i]!
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 1000) / 1000
  return {
    n: sorted.length,
    min: round(sorted[0] ?? NaN),
    median: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
  }
}

/** Prints the section's result as the last line of stdout, where bench/run.ts reads it. */
export function emit(result: unknown): void {
  process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`)
}
