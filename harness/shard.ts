/**
 * `run --shard i/n`: one of n parts of the selected scenarios, for a CI job matrix (docs/ci.md). The split is
 * by sorted scenario id, round robin: the same ids give the same parts whatever order the catalog lists them in,
 * every scenario is in exactly one part, and the parts differ in size by one at most. `merge-reports` puts the
 * parts' reports back together.
 */
import { HarnessError } from '../protocol/errors.ts'

/** Part `index` (1-based) of `count`. */
export interface Shard {
  index: number
  count: number
}

/** Parses `i/n` (1 ≤ i ≤ n); anything else is a usage error that says what is expected. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : NaN
  const count = m ? Number(m[2]) : NaN
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new HarnessError('ERR_CONFIG', `--shard ${text}: expected i/n with 1 ≤ i ≤ n, e.g. 1/4`)
  }
  return { index, count }
}

/** The scenarios of one part, in their given order. */
export function selectShard<T extends { id: string }>(scenarios: readonly T[], shard: Shard): T[] {
  const sorted = scenarios.map((s) => s.id).sort()
  const part = new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1))
  return scenarios.filter((s) => part.has(s.id))
}
