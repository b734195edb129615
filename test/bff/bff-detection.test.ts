import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { renderHtml } from '../../reports/html.ts'
import { renderJunit } from '../../reports/junit.ts'
import { describe, expect, it } from 'vitest'
import { bffBackend } from '../../examples/clients/bff-backend/index.ts'
import { startBffBackend } from '../../examples/clients/bff-backend/app.ts'
import { inProcessBackend } from '../../harness/bff/targets.ts'
import { BFF_FLAW_NAMES, GUIDE_PATTERN, type BffFlaw } from '../../examples/clients/bff-backend/flaws.ts'
import { runBffMatrix } from '../../harness/bff/matrix.ts'
import { runBffSuite } from '../../harness/bff/runner.ts'
import { detected } from '../../harness/matrix.ts'
import { BFF_SCENARIOS } from '../../scenarios/bff/index.ts'

/** scenario id → flaw (or `guide-pattern`) → the checks that catch it (`npm run matrix -- --bff --update`). */
const committed = JSON.parse(readFileSync(new URL('../../scenarios/bff/detection-matrix.json', import.meta.url), 'utf8')) as {
  guidePattern: BffFlaw[]
  kills: Record<string, Record<string, string[]>>
}
const { kills } = committed
const GUIDE = 'guide-pattern'

describe('BFF detection matrix', () => {
  it('lists every BFF scenario, each caught by some flaw, and every flaw is caught', () => {
    expect(Object.keys(kills).sort()).toEqual(BFF_SCENARIOS.map((s) => s.id).sort())
    for (const s of BFF_SCENARIOS) expect(Object.keys(kills[s.id]!).length, s.id).toBeGreaterThan(0)
    for (const flaw of [...BFF_FLAW_NAMES, GUIDE]) expect(BFF_SCENARIOS.some((s) => kills[s.id]![flaw]), flaw).toBe(true)
    expect(committed.guidePattern).toEqual([...GUIDE_PATTERN])
  })

  it('the guide pattern fails every scenario that one of its flaws fails alone', () => {
    for (const s of BFF_SCENARIOS) {
      if (GUIDE_PATTERN.some((f) => kills[s.id]![f])) expect(kills[s.id]![GUIDE], s.id).toBeDefined()
    }
  })

  it('the clean example backend passes every BFF scenario, in a report every writer accepts', async () => {
    const report = await runBffSuite({ scenarios: BFF_SCENARIOS, target: bffBackend(), concurrency: 4 })
    expect(report.scenarios.filter((s) => s.verdict !== 'PASS').map((s) => `${s.id}: ${s.verdict} ${s.reason ?? ''}`)).toEqual([])
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    addFormats.default(ajv)
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../reports/report.schema.json', import.meta.url), 'utf8')))
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)
    expect(renderJunit(report)).toContain('<testsuite name="BFF"')
    expect(renderHtml(report)).toContain('bff-login-csrf')
  })

  it('each flaw is still caught, with the committed checks, by its own scenario', async () => {
    // For each flaw the scenario that catches it on its own expectation (else the first that catches it): one
    // run per flaw. The full cross product is `npm run matrix -- --bff`.
    const pairs = BFF_FLAW_NAMES.map((flaw) => {
      const catching = BFF_SCENARIOS.filter((s) => kills[s.id]![flaw])
      const scenario = catching.find((s) => kills[s.id]![flaw]!.includes('scenario.expectation')) ?? catching[0]!
      return { flaw, scenario }
    })
    const mismatches: string[] = []
    await Promise.all(
      pairs.map(async ({ flaw, scenario }) => {
        const matrix = await runBffMatrix([scenario], [bffBackend([flaw])])
        const cell = matrix[scenario.id]![`bff-backend:${flaw}`]!
        const want = kills[scenario.id]![flaw]!
        if (!detected(cell) || JSON.stringify(cell.failing) !== JSON.stringify(want)) {
          mismatches.push(`${scenario.id} × ${flaw}: ${cell.verdict} ${cell.failing.join(',')} (committed: ${want.join(',')})`)
        }
      }),
    )
    expect(mismatches).toEqual([])
  })

  it('redacts the tokens a flawed backend handed its frontend (fragment, JSON body) in the report', async () => {
    const ids = ['bff-login-and-call', 'bff-refresh-stays-in-backend']
    const report = await runBffSuite({ scenarios: BFF_SCENARIOS.filter((s) => ids.includes(s.id)), target: bffBackend(GUIDE_PATTERN), concurrency: 2 })
    expect(report.scenarios.map((s) => s.checks.find((c) => c.checkId === 'bff.no-token-to-frontend')?.status)).toEqual(['FAIL', 'FAIL'])
    const text = JSON.stringify(report)
    // Access tokens are JWTs of type at+jwt; refresh tokens are ref-<64 hex>.
    expect(text).not.toContain('eyJ0eXAiOiJhdCtqd3Qi')
    expect(text).not.toMatch(/ref-[0-9a-f]{64}/)
  })
})

describe('a web frontend instead of an extension', () => {
  it('judges CORS, origin and redirects against the declared web origin', async () => {
    const frontend = { origin: 'https://app.example', redirectUri: 'https://app.example/signed-in' }
    const ids = ['bff-login-and-call', 'bff-cross-origin-refused', 'bff-open-redirect']
    const scenarios = BFF_SCENARIOS.filter((s) => ids.includes(s.id))
    const target = (flaws: BffFlaw[]) => inProcessBackend('web', () => startBffBackend({ frontend, flaws }))
    const clean = await runBffSuite({ scenarios, target: target([]), concurrency: 3 })
    expect(clean.scenarios.map((s) => s.verdict)).toEqual(['PASS', 'PASS', 'PASS'])
    const flawed = await runBffSuite({ scenarios: scenarios.slice(1), target: target(['permissive-cors', 'open-redirect']), concurrency: 2 })
    expect(flawed.scenarios.map((s) => s.checks.filter((c) => c.status === 'FAIL').map((c) => c.checkId))).toEqual([
      ['scenario.expectation', 'bff.origin-checked', 'bff.cors-frontend-only'],
      ['bff.no-open-redirect'],
    ])
  })
})
