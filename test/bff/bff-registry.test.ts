import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { REQUIREMENTS } from '../../scenarios/catalog.ts'
import { BFF_SCENARIOS } from '../../scenarios/bff/index.ts'
import { BFF_CHECKS } from '../../harness/bff/checks/index.ts'

const files = readdirSync(new URL('../../scenarios/bff/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3))

describe('BFF scenario registry', () => {
  it('registers every file of scenarios/bff/, each under its own id, family BFF', () => {
    expect(BFF_SCENARIOS.map((s) => s.id).sort()).toEqual(files.sort())
    for (const s of BFF_SCENARIOS) expect(s.family).toBe('BFF')
    expect(BFF_SCENARIOS.length).toBeGreaterThanOrEqual(8)
  })
  it('cites BFF requirement ids of the catalog at their catalog level', () => {
    for (const s of BFF_SCENARIOS) {
      expect(s.requirements.length, s.id).toBeGreaterThan(0)
      for (const r of s.requirements) {
        expect(r.id, s.id).toMatch(/^BFF-\d\d$/)
        expect(REQUIREMENTS.get(r.id)?.level, `${s.id} ${r.id}`).toBe(r.level)
      }
    }
    for (const c of BFF_CHECKS) expect(REQUIREMENTS.get(c.requirement.id)?.level, c.id).toBe(c.requirement.level)
  })
  it('keeps the BFF section apart from the synced catalog, every row citing its source', () => {
    const bff = [...REQUIREMENTS.values()].filter((r) => r.id.startsWith('BFF-'))
    expect(bff.length).toBe(14)
    for (const r of bff) expect(r.text, r.id).toMatch(/RFC 10017|RFC 9700|atproto OAuth/)
  })
  it('gives every scenario an explain text with what, why and how to fix', () => {
    for (const s of BFF_SCENARIOS) {
      for (const part of ['tests', 'why', 'fix'] as const) expect(s.explain[part].length, `${s.id}.${part}`).toBeGreaterThan(20)
    }
  })
})
