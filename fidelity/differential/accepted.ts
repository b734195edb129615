/**
 * The differences between the reference profile and the real server that stay, each with its reason
 * (`accepted.json`): the replay test fails on a difference that is not listed and on an entry that no longer
 * happens.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { DifferentialRun } from './run.ts'

export interface AcceptedDifference {
  /** Case ids. */
  cases: string[]
  /** The facts that differ (compare.ts field names). */
  fields: string[]
  reason: string
}

export const ACCEPTED_FILE = fileURLToPath(new URL('./accepted.json', import.meta.url))

export function loadAccepted(file = ACCEPTED_FILE): AcceptedDifference[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { accepted: AcceptedDifference[] }).accepted
}

export interface Reconciled {
  /** `case: field` of every difference no entry lists. */
  unlisted: string[]
  /** `case` of every listed case that now matches (or differs on other fields only). */
  stale: string[]
  listed: number
}

export function reconcileDifferential(run: DifferentialRun, accepted: readonly AcceptedDifference[]): Reconciled {
  const allowed = new Map<string, Set<string>>()
  for (const a of accepted) for (const id of a.cases) allowed.set(id, new Set([...(allowed.get(id) ?? []), ...a.fields]))
  const unlisted: string[] = []
  const seen = new Set<string>()
  let listed = 0
  for (const c of run.cases) {
    if (c.error) unlisted.push(`${c.id}: ${c.error}`)
    for (const s of c.steps) {
      for (const d of s.differences) {
        if (allowed.get(c.id)?.has(d.field)) {
          listed++
          seen.add(c.id)
        } else unlisted.push(`${c.id}: ${s.request} ${d.field} ${JSON.stringify(d.recorded)} (reference) vs ${JSON.stringify(d.observed)} (mock)`)
      }
    }
  }
  const ran = new Set(run.cases.map((c) => c.id))
  const stale = [...allowed.keys()].filter((id) => ran.has(id) && !seen.has(id))
  return { unlisted, stale, listed }
}
