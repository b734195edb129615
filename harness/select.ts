import { HarnessError } from '../protocol/errors.ts'
import type { Scenario } from './scenario.ts'

/** Filters by id, family and tag; an unknown id or family is a user mistake with a suggestion. */
export function selectScenarios(
  all: readonly Scenario[],
  filter: { ids?: string[]; families?: string[]; tags?: string[] },
): Scenario[] {
  const known = new Set(all.map((s) => s.id))
  for (const id of filter.ids ?? []) {
    if (!known.has(id)) {
      const near = [...known].filter((k) => k.includes(id) || id.includes(k)).slice(0, 3)
      throw new HarnessError(
        'ERR_CONFIG',
        `unknown scenario "${id}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (see \`atproto-oauth-conformance list\`)`,
      )
    }
  }
  const families = new Set(all.map((s) => s.family))
  for (const f of filter.families ?? []) {
    if (!families.has(f.toUpperCase() as Scenario['family'])) {
      throw new HarnessError('ERR_CONFIG', `unknown family "${f}"; families: ${[...families].join(', ')}`)
    }
  }
  return all.filter(
    (s) =>
      (!filter.ids?.length || filter.ids.includes(s.id)) &&
      (!filter.families?.length || filter.families.some((f) => f.toUpperCase() === s.family)) &&
      (!filter.tags?.length || filter.tags.some((t) => s.tags?.includes(t))),
  )
}
