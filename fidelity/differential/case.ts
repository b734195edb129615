/** The shape of a differential case: an id, the area it covers, and what it does with one side's agent. */
import fc from 'fast-check'
import type { Agent } from './agent.ts'

export type Area = 'par' | 'dpop' | 'authorize' | 'token' | 'refresh' | 'revoke' | 'metadata' | 'pds' | 'permissions'

export interface Case {
  /** Stable and unique: the capture file names and the deviation list refer to it. */
  id: string
  area: Area
  /** `generated` cases come from fast-check with a fixed seed; `sequence` ones are written by hand. */
  kind: 'generated' | 'sequence'
  /** Runs on one side; every exchange it marks as compared is compared with the other side's, in order. */
  run(agent: Agent): Promise<void>
}

/** The fixed seed of every generator, so runs repeat. */
export const SEED = 20261202

/**
 * Combinations of single mutations that fast-check samples (fixed seed, so runs repeat), each once: a case per
 * combination, named by its parts joined with `+`.
 */
export function sampledCombinations<T extends { name: string }>(
  singles: readonly T[],
  options: { seed: number; runs: number; minLength: number; maxLength: number },
): T[][] {
  const picks = fc.sample(fc.uniqueArray(fc.nat({ max: singles.length - 1 }), { minLength: options.minLength, maxLength: options.maxLength }), {
    seed: options.seed,
    numRuns: options.runs,
  })
  const seen = new Set<string>()
  const out: T[][] = []
  for (const pick of picks) {
    const combination = pick.map((i) => singles[i]!)
    const name = combination.map((m) => m.name).join('+')
    if (seen.has(name)) continue
    seen.add(name)
    out.push(combination)
  }
  return out
}
