import { describe, expect, it } from 'vitest'
import { coverage, loadExclusions } from '../harness/coverage.ts'
import { REQUIREMENTS } from './catalog.ts'
import { ALWAYS_ON_CHECKS } from './checks/index.ts'
import { SCENARIOS } from './index.ts'
import { BFF_SCENARIOS } from './bff/index.ts'

const exclusions = loadExclusions()
const rows = coverage(REQUIREMENTS.values(), [...SCENARIOS, ...BFF_SCENARIOS], ALWAYS_ON_CHECKS, exclusions)

describe('spec coverage', () => {
  it('maps every catalog requirement to a scenario or check, or to an explicit exclusion', () => {
    const missing = rows.filter((r) => !r.scenarios.length && !r.checks.length && !r.excluded).map((r) => r.id)
    expect(missing).toEqual([])
  })
  it('has no stale exclusion: an excluded requirement that is now covered must leave the list', () => {
    const stale = rows.filter((r) => r.excluded && (r.scenarios.length || r.checks.length)).map((r) => r.id)
    expect(stale).toEqual([])
  })
  it('excludes only requirements of the catalog, each with a reason', () => {
    for (const [id, reason] of Object.entries(exclusions)) {
      expect(REQUIREMENTS.has(id), id).toBe(true)
      expect(reason.length, id).toBeGreaterThan(30)
    }
  })
})
