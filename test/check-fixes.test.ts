import { describe, expect, it } from 'vitest'
import { BFF_CHECKS } from '../harness/bff/checks/index.ts'
import { ALWAYS_ON_CHECKS } from '../scenarios/checks/index.ts'
import { SCENARIOS } from '../scenarios/index.ts'

/**
 * A finding's fix is the failed check's own: a scenario's fix is about what the scenario provokes, and an
 * always-on check that fails inside it (a resent client assertion in a metadata scenario) needs other advice.
 */
describe('fix texts', () => {
  const checks = [...ALWAYS_ON_CHECKS, ...BFF_CHECKS]

  it('every check has its own fix, different from every other check and from every scenario fix', () => {
    const scenarioFixes = new Set(SCENARIOS.map((s) => s.explain.fix))
    const seen = new Map<string, string>()
    for (const c of checks) {
      expect(c.fix.trim().length, c.id).toBeGreaterThan(20)
      expect(seen.get(c.fix), `${c.id} shares its fix with ${seen.get(c.fix)}`).toBeUndefined()
      expect(scenarioFixes.has(c.fix), `${c.id} reuses a scenario's fix`).toBe(false)
      seen.set(c.fix, c.id)
    }
  })
})
