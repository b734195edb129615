import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SCENARIOS } from '../scenarios/index.ts'
import { INTEROP_CLIENTS, type InteropClient } from '../scripts/interop-clients.ts'
import { expectedOutcomes, loadClient, parseExpectations, renderInteropPage } from '../scripts/interop-page.ts'

const ROOT = new URL('..', import.meta.url).pathname
const IDS = new Set(SCENARIOS.map((s) => s.id))

describe('docs/interop.md', () => {
  it('is what the committed expectations give (regenerate with `npx tsx scripts/interop.ts`)', () => {
    const page = renderInteropPage(INTEROP_CLIENTS.map((c) => loadClient(c, SCENARIOS, ROOT)), SCENARIOS)
    expect(readFileSync(join(ROOT, 'docs/interop.md'), 'utf8')).toBe(page)
  })

  // A finding in every login (a check that fails wherever it runs) is written up once, by its check id.
  it('explains every FAIL and WARN of every bundled client, and names the scenario or its failing checks on its findings page', () => {
    for (const loaded of INTEROP_CLIENTS.map((c) => loadClient(c, SCENARIOS, ROOT))) {
      if (!('expectations' in loaded)) continue
      const findings = readFileSync(join(ROOT, 'docs', loaded.client.findings.replace(/#.*/, '')), 'utf8')
      for (const [id, e] of Object.entries(loaded.expectations.scenarios)) {
        if (e.verdict === 'SKIP') continue
        expect(e.why, `${loaded.client.id} ${id}`).toMatch(/\w/)
        const named = findings.includes(id) || (e.checks?.length ? e.checks.every((c) => findings.includes(c)) : false)
        expect(named, `${loaded.client.findings} names ${id} (or every check it lists)`).toBe(true)
      }
    }
  })
})

describe('the page generator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aoc-interop-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const scenarios = SCENARIOS.filter((s) => ['login-with-handle', 'nonce-odd-case-challenge', 'token-sub-other-account', 'confidential-login'].includes(s.id))

  function client(id: string, file: object | undefined, extra: Partial<InteropClient> = {}): InteropClient {
    if (file) writeFileSync(join(dir, `${id}.json`), JSON.stringify(file))
    return {
      id,
      title: id.replace(/-/g, ' '),
      library: `${id}-lib 1.0.0`,
      driver: 'in-process',
      expectations: `${id}.json`,
      findings: `${id}.md`,
      topologies: ['entryway', 'self-hosted'],
      transports: ['http', 'https'],
      open: async () => expect.unreachable('the page runs no client'),
      ...extra,
    }
  }

  it('limits an entry to its topologies and transports; every other scenario PASSes', () => {
    const expectations = parseExpectations('x.json', JSON.stringify({
      scenarios: {
        'nonce-odd-case-challenge': { verdict: 'WARN', checks: ['scenario.expectation'], topologies: ['entryway'] },
        'token-sub-other-account': { verdict: 'FAIL', checks: ['scenario.expectation'], transports: ['https'] },
      },
    }), IDS)
    const verdicts = (topology: 'entryway' | 'self-hosted', transport: 'http' | 'https') =>
      Object.entries(expectedOutcomes(expectations, scenarios, { topology, transport })).map(([id, o]) => `${id} ${o.verdict}`)
    expect(verdicts('entryway', 'http')).toEqual(['login-with-handle PASS', 'token-sub-other-account PASS', 'nonce-odd-case-challenge WARN', 'confidential-login PASS'])
    expect(verdicts('self-hosted', 'https')).toEqual(['login-with-handle PASS', 'token-sub-other-account FAIL', 'nonce-odd-case-challenge PASS', 'confidential-login PASS'])
  })

  it('counts each configuration, says where a verdict holds, lists skips by reason and names planned clients', () => {
    const a = client('client-a', {
      scenarios: {
        'nonce-odd-case-challenge': { verdict: 'WARN', checks: ['scenario.expectation'], topologies: ['entryway'], why: 'misses an odd | challenge' },
        'confidential-login': { verdict: 'SKIP', checks: [] },
      },
    })
    const b = client('client-b', { scenarios: { 'token-sub-other-account': { verdict: 'FAIL', checks: ['scenario.expectation'], why: 'takes any sub' } } }, { transports: ['https'], unsupported: 'http: https only.' })
    const planned = client('client-c', undefined, { planned: true })
    const page = renderInteropPage([a, b, planned].map((c) => loadClient(c, scenarios, dir)), scenarios)
    expect(page).toContain('| [client a](#client-a) | client-a-lib 1.0.0 | entryway · http | 2 | 1 | 0 | 1 | 0 | 0 | [findings](client-a.md) |')
    expect(page).toContain('| [client a](#client-a) | client-a-lib 1.0.0 | self-hosted · https | 3 | 1 | 0 | 0 | 0 | 0 | [findings](client-a.md) |')
    expect(page).toContain('| [client b](#client-b) | client-b-lib 1.0.0 | self-hosted · https | 3 | 0 | 0 | 0 | 1 | 0 | [findings](client-b.md) |')
    expect(page).not.toContain('client b](#client-b) | client-b-lib 1.0.0 | entryway · http |')
    expect(page).toContain('- client b: no http: https only.')
    expect(page).toContain('- client c (client-c-lib 1.0.0): planned, not bundled yet.')
    // The glance table: a row per scenario some client does not PASS, skips aside; PASS everywhere is `·`.
    expect(page).toContain('| `token-sub-other-account` | BIND-02 MUST | · | FAIL |')
    expect(page).toContain('| `nonce-odd-case-challenge` | NONCE-08 SHOULD | WARN (entryway); PASS (self-hosted) | · |')
    expect(page).not.toContain('| `confidential-login` | CONF-01')
    // The client's section: a pipe in the explanation cannot break the table.
    expect(page).toContain('| `nonce-odd-case-challenge` | NONCE-08 SHOULD | WARN (entryway); PASS (self-hosted) | `scenario.expectation` | misses an odd \\| challenge |')
    expect(page).toContain('- `confidential-login`: a capability the adapter does not declare (the scenario needs confidential)')
  })

  it('refuses a missing expectations file unless the client is planned', () => {
    expect(() => loadClient(client('client-d', undefined), scenarios, dir)).toThrow('client-d.json: missing (the client-d entry of scripts/interop-clients.ts names it)')
  })

  it.each([
    ['{', /^x\.json: not JSON/],
    ['[]', 'x.json: expected an object with "scenarios"'],
    ['{"scenarios":{"no-such-scenario":{"verdict":"FAIL","checks":[]}}}', 'x.json: scenarios.no-such-scenario: no scenario has this id'],
    ['{"scenarios":{"login-with-handle":{"verdict":"PASS","checks":[]}}}', 'x.json: scenarios.login-with-handle.verdict: PASS is not listed'],
    ['{"scenarios":{"login-with-handle":{"verdict":"BAD","checks":[]}}}', 'x.json: scenarios.login-with-handle.verdict: expected one of PASS, SKIP, INCONCLUSIVE, WARN, FAIL, ERROR, got "BAD"'],
    ['{"scenarios":{"login-with-handle":{"verdict":"FAIL"}}}', 'x.json: scenarios.login-with-handle.checks: expected a list of check ids'],
    ['{"scenarios":{"login-with-handle":{"verdict":"FAIL","checks":[],"topologies":["pds"]}}}', 'x.json: scenarios.login-with-handle.topologies: expected a list of entryway, self-hosted'],
    ['{"scenarios":{"login-with-handle":{"verdict":"FAIL","checks":[],"transports":"https"}}}', 'x.json: scenarios.login-with-handle.transports: expected a list of http, https'],
  ])('refuses a bad expectations file with the place: %s', (text, message) => {
    expect(() => parseExpectations('x.json', text, IDS)).toThrow(message)
  })
})
