import { readFileSync } from 'node:fs'
import { packageFile } from '../model/package-file.ts'
import type { Level } from '../harness/scenario.ts'

/** One client requirement of the spec catalog (shared/spec/atproto-oauth-requirements.md §1). */
export interface CatalogRequirement {
  id: string
  level: Level
  text: string
}

function load(file: string): CatalogRequirement[] {
  return (JSON.parse(readFileSync(packageFile(`scenarios/${file}`), 'utf8')) as { requirements: CatalogRequirement[] }).requirements
}

/**
 * The requirement catalog, keyed by id: requirements.json (synced from the spec catalog by
 * scripts/sync-requirements.ts) plus requirements-bff.json (this project's own BFF section, kept apart so a
 * re-sync never drops it).
 */
export const REQUIREMENTS: ReadonlyMap<string, CatalogRequirement> = new Map(
  [...load('requirements.json'), ...load('requirements-bff.json')].map((r) => [r.id, r]),
)
