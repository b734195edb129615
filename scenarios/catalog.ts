import { readFileSync } from 'node:fs'
import type { Level } from '../harness/scenario.ts'

/** One client requirement of the spec catalog (shared/spec/atproto-oauth-requirements.md §1). */
export interface CatalogRequirement {
  id: string
  level: Level
  text: string
}

/** The requirement catalog, keyed by id. */
export const REQUIREMENTS: ReadonlyMap<string, CatalogRequirement> = new Map(
  (
    JSON.parse(readFileSync(new URL('./requirements.json', import.meta.url), 'utf8')) as {
      requirements: CatalogRequirement[]
    }
  ).requirements.map((r) => [r.id, r]),
)
