/** What the differential run prints: differences grouped by what differs, worst first, and the totals. */
import type { DifferentialRun } from './run.ts'

function show(v: unknown): string {
  if (v === undefined) return '∅'
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > 140 ? `${s.slice(0, 137)}…` : s
}

export interface DifferenceGroup {
  /** `POST /oauth/par status: 201 (live) vs 400 (mock)`. */
  what: string
  cases: string[]
}

/** One group per distinct (request, field, live value, mock value), most cases first. */
export function groupDifferences(run: DifferentialRun): DifferenceGroup[] {
  const groups = new Map<string, string[]>()
  const add = (what: string, id: string) => groups.set(what, [...(groups.get(what) ?? []), id])
  for (const c of run.cases) {
    if (c.error) add(`ERROR ${c.error}`, c.id)
    for (const s of c.steps) {
      for (const d of s.differences) add(`${s.request} ${d.field}: ${show(d.recorded)} (live) vs ${show(d.observed)} (mock)`, c.id)
    }
  }
  return [...groups].map(([what, cases]) => ({ what, cases })).sort((a, b) => b.cases.length - a.cases.length)
}

/** Per area: compared exchanges and matches. */
export function byArea(run: DifferentialRun): { area: string; cases: number; exchanges: number; matched: number }[] {
  const out = new Map<string, { area: string; cases: number; exchanges: number; matched: number }>()
  for (const c of run.cases) {
    const row = out.get(c.area) ?? { area: c.area, cases: 0, exchanges: 0, matched: 0 }
    row.cases++
    row.exchanges += c.compared
    row.matched += c.error ? 0 : c.matched
    out.set(c.area, row)
  }
  return [...out.values()]
}
