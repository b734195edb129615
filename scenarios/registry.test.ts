import { readdirSync, statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { REQUIREMENTS } from './catalog.ts'
import { SCENARIOS } from './index.ts'
import { failsAtIndex } from '../harness/judge.ts'

const root = new URL('./', import.meta.url)
// scenarios/bff/ holds the BFF family, registered in scenarios/bff/index.ts and run by harness/bff/ (test/bff/).
const familyDirs = readdirSync(root).filter((d) => d !== 'checks' && d !== 'bff' && statSync(new URL(d, root)).isDirectory())
const files = familyDirs.flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, root))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ dir, id: f.slice(0, -3) })),
)

describe('scenario registry', () => {
  it('registers every scenario file, and only those', () => {
    expect(SCENARIOS.map((s) => s.id).sort()).toEqual(files.map((f) => f.id).sort())
  })
  it('has unique kebab-case ids', () => {
    const ids = SCENARIOS.map((s) => s.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })
  it('files each scenario under the folder of its family', () => {
    for (const s of SCENARIOS) {
      const file = files.find((f) => f.id === s.id)!
      expect(file.dir.toUpperCase(), s.id).toBe(s.family)
    }
  })
  it('cites requirement ids of the catalog at their catalog level', () => {
    for (const s of SCENARIOS) {
      expect(s.requirements.length, s.id).toBeGreaterThan(0)
      for (const r of s.requirements) {
        const catalog = REQUIREMENTS.get(r.id)
        expect(catalog, `${s.id} cites ${r.id}`).toBeDefined()
        expect(r.level, `${s.id} ${r.id}`).toBe(catalog!.level)
      }
    }
  })
  it('gives every scenario an explain text with what, why and how to fix', () => {
    for (const s of SCENARIOS) {
      for (const part of ['tests', 'why', 'fix'] as const) expect(s.explain[part].length, `${s.id}.${part}`).toBeGreaterThan(20)
    }
  })
  it('names its forbidden requests and failing step consistently', () => {
    for (const s of SCENARIOS) {
      if ('failsAt' in s.expect) {
        expect(failsAtIndex(s), `${s.id}: no step ${s.expect.nth ?? 1} with op ${s.expect.failsAt}`).toBeGreaterThanOrEqual(0)
        expect((s.expect.forbidden?.length ?? 0) + Object.keys(s.expect.atMost ?? {}).length, s.id).toBeGreaterThan(0)
      }
    }
  })
})
