import { readFileSync } from 'node:fs'
import type { Check } from './check.ts'
import type { Scenario } from './scenario.ts'
import type { CatalogRequirement } from '../scenarios/catalog.ts'
import { packageFile } from '../model/package-file.ts'

/** How one catalog requirement is exercised: by scenarios and checks, or excluded with a reason. */
export interface CoverageRow {
  id: string
  level: string
  text: string
  scenarios: string[]
  checks: string[]
  excluded?: string
}

/** Requirements deliberately not exercised, with the reason (scenarios/coverage-exclusions.json). */
export function loadExclusions(): Record<string, string> {
  const file = packageFile('scenarios/coverage-exclusions.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { excluded: Record<string, string> }).excluded
}

/** Maps every requirement of the catalog to the scenarios and checks that test it. */
export function coverage(
  requirements: Iterable<CatalogRequirement>,
  scenarios: readonly Pick<Scenario, 'id' | 'requirements'>[],
  checks: readonly Check[],
  exclusions: Record<string, string>,
): CoverageRow[] {
  return [...requirements].map((r) => ({
    id: r.id,
    level: r.level,
    text: r.text,
    scenarios: scenarios.filter((s) => s.requirements.some((q) => q.id === r.id)).map((s) => s.id),
    checks: checks.filter((c) => c.requirement.id === r.id || c.alsoCovers?.includes(r.id)).map((c) => c.id),
    excluded: exclusions[r.id],
  }))
}

/** The coverage section of a run report: requirement rows for the scenarios that ran. */
export function reportCoverage(
  requirements: Iterable<CatalogRequirement>,
  scenarios: readonly Pick<Scenario, 'id' | 'requirements'>[],
  checks: readonly Check[],
  exclusions: Record<string, string>,
): { covered: number; excluded: number; missing: number; requirements: Omit<CoverageRow, 'text'>[] } {
  const rows = coverage(requirements, scenarios, checks, exclusions).map(({ text: _text, ...row }) => row)
  const covered = rows.filter((r) => r.scenarios.length || r.checks.length).length
  const excluded = rows.filter((r) => !r.scenarios.length && !r.checks.length && r.excluded).length
  return { covered, excluded, missing: rows.length - covered - excluded, requirements: rows }
}
