import { readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { beforeAll, describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import type { Family } from '../../harness/scenario.ts'
import { SEVERITY } from '../../model/verdict.ts'
import type { RunReport } from '../../reports/schema.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { failingRun, sampleReport } from './sample-report.ts'

const schema = JSON.parse(readFileSync(new URL('../../reports/report.schema.json', import.meta.url), 'utf8'))

let validate: ValidateFunction
beforeAll(() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  addFormats.default(ajv)
  validate = ajv.compile(schema)
})

function errorsOf(value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
}

/** Every optional field made required, all the way down: a new optional field in schema.ts breaks this file's build. */
type DeepRequired<T> = T extends readonly (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<Exclude<T[K], undefined>> }
    : T

/**
 * A report with every field the types allow (one entry of each transcript kind, every fault seam). When this
 * stops compiling, a field was added to RunReport, a transcript entry or FaultPlan: add it here, to
 * reports/report.schema.json and to docs/report-schema.md. The schema rejects unknown fields, so the test below
 * fails until it knows the new one.
 */
const maximal: DeepRequired<RunReport> = {
  schemaVersion: 1,
  tool: { name: 'atproto-oauth-conformance', version: '0.1.0' },
  startedAt: '2026-01-02T03:04:05.678Z',
  durationMs: 12,
  client: { name: 'test', driver: 'process' },
  profile: 'strict',
  topology: 'self-hosted',
  redacted: false,
  incomplete: true,
  result: { status: 'PASS', failing: 0, baseline: { file: 'baseline.txt', known: 1, stale: [{ scenario: 'callback-iss-mismatch', check: 'dpop.ath', message: 'm' }] } },
  shard: { index: 2, count: 3, selected: 4 },
  totals: { PASS: 0, FAIL: 1, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0, scenarios: 1 },
  scenarios: [
    {
      id: 'callback-iss-mismatch',
      title: 't',
      family: 'ISS',
      requirements: [{ id: 'ISS-03', level: 'MUST' }],
      profile: 'strict',
      topology: 'self-hosted',
      clientKind: 'confidential',
      verdict: 'FAIL',
      durationMs: 3,
      faults: {
        asMetadata: { issuer: 'https://x', omit: ['jwks_uri'], set: { a: 1 }, response: { status: 302, contentType: 'text/html', body: 'array' } },
        protectedResource: {
          resource: 'https://pds',
          authorization_servers: ['https://as'],
          redirectTo: 'https://pds/x',
          response: { status: 203, contentType: 'text/html', body: 'array' },
        },
        parResponse: { status: 200, omit: ['request_uri'], set: { expires_in: -1 } },
        holdResponse: { refresh: true },
        codeLifetimeSeconds: 7200,
        authorizeResponse: { iss: null, state: 'tamper', error: 'access_denied' },
        tokenResponse: { token_type: 'Bearer', scope: 'atproto', sub: null, omit: ['expires_in', 'refresh_token', 'scope'], accessToken: 'opaque' },
        refreshResponse: { token_type: 'DPoP', scope: 'atproto', sub: 'did:plc:y', omit: [], accessToken: 'opaque' },
        failures: {
          par: { times: 1, status: 500, afterCommit: true },
          code: { times: 2, status: 503, afterCommit: false },
          refresh: { times: 1, error: 'invalid_grant' },
          revoke: { times: 1, status: 500, afterCommit: false },
        },
        clientAuthBeforeNonce: true,
        dpopNonce: { rotateEverySeconds: 60, disabled: true, challengeStyle: 'odd-case', alwaysChallenge: 'pds' },
        identity: {
          handleResolvesTo: { 'a.test': 'did:plc:x' },
          didDocPds: { 'did:plc:x': null },
          alsoKnownAs: { 'did:plc:x': ['at://b.test'] },
          servicesBefore: { 'did:plc:x': [{ id: '#decoy', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://decoy' }] },
        },
        permissions: {
          sets: {
            unresolvable: ['a.b.c'],
            notPermissionSet: ['a.b.d'],
            republish: { 'a.b.c': [{ type: 'permission', resource: 'repo', collection: ['a.b.e'] }] },
            noCache: true,
          },
          grantIncludeUnexpanded: true,
          missingScopeAnswer: 'InsufficientScope',
        },
      },
      checks: [
        {
          status: 'FAIL',
          checkId: 'scenario.expectation',
          title: 't',
          requirement: { id: 'ISS-03', level: 'MUST' },
          expected: 'e',
          observed: 'o',
          evidence: ['#1', '#2'],
          reason: 'r',
          fix: 'f',
          baselined: { entry: 'baseline.txt:1', reason: 'r' },
        },
      ],
      reason: 'r',
      explain: { tests: 't', why: 'w', fix: 'f' },
      transcript: [
        {
          kind: 'http',
          seq: 1,
          ref: '#1',
          server: 'client-host',
          actor: 'authorization-server',
          at: 1,
          step: -1,
          startTick: 1,
          endTick: 2,
          request: { method: 'GET', url: 'https://client.world.internal/m.json', path: '/m.json', headers: { a: 'b', 'set-cookie': ['x', 'y'] }, body: '', params: { a: 1 } },
          response: { status: 200, headers: {}, body: '{}' },
          refused: 'r',
          dpop: { header: { typ: 'dpop+jwt' }, payload: { jti: 'j' }, raw: 'a.b.c' },
        },
        { kind: 'step', seq: 2, ref: '#2', step: 0, op: 'authorize', at: 1, outcome: { status: 'rejected', code: 'C', message: 'm' } },
        { kind: 'note', seq: 3, ref: '#3', step: 0, at: 1, text: 'n', data: { url: 'u' } },
      ],
      screenshots: [{ name: 'consent', png: 'iVBORw0KGgo=' }],
      clientLog: 'client started\n',
    },
  ],
  coverage: {
    covered: 1,
    excluded: 1,
    missing: 0,
    requirements: [
      { id: 'ISS-03', level: 'MUST', scenarios: ['callback-iss-mismatch'], checks: ['par.pushed'], excluded: 'a reason' },
    ],
  },
}

/** Only what the types require. */
const minimal: RunReport = {
  schemaVersion: 1,
  tool: { name: 'atproto-oauth-conformance', version: '0.1.0' },
  startedAt: '2026-01-02T03:04:05Z',
  durationMs: 0,
  client: { name: 'c', driver: 'in-process' },
  redacted: true,
  totals: { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0, INCONCLUSIVE: 0, ERROR: 0, scenarios: 0 },
  scenarios: [],
}

describe('report.schema.json', () => {
  it('accepts real reports: every verdict, every transcript kind, redacted and not', async () => {
    const sample = await sampleReport()
    expect(new Set(sample.scenarios.map((s) => s.verdict))).toEqual(new Set(['PASS', 'WARN', 'FAIL', 'SKIP', 'ERROR']))
    const kinds = new Set(sample.scenarios.flatMap((s) => s.transcript.map((e) => e.kind)))
    expect(kinds).toEqual(new Set(['http', 'step', 'note']))
    expect(errorsOf(JSON.parse(JSON.stringify(sample)))).toEqual([])

    const raw = await runSuite({
      scenarios: SCENARIOS.filter((s) => s.id === 'confidential-login'),
      driver: () => officialNodeClient(),
      clientName: 'official',
      noRedact: true,
      profile: 'reference',
      topology: 'entryway',
    })
    expect(raw.redacted).toBe(false)
    expect(errorsOf(JSON.parse(JSON.stringify(raw)))).toEqual([])
  })

  it('accepts a failing run', async () => {
    const report = await failingRun()
    expect(report.scenarios[0]!.verdict).toBe('FAIL')
    expect(errorsOf(JSON.parse(JSON.stringify(report)))).toEqual([])
  })

  it('accepts every field the types declare, and only the required ones', () => {
    expect(errorsOf(maximal)).toEqual([])
    expect(errorsOf(minimal)).toEqual([])
  })

  it('rejects fields the types do not declare, anywhere', () => {
    const withExtra = (path: (string | number)[]) => {
      const copy = structuredClone(maximal) as unknown as Record<string, unknown>
      let node = copy as Record<string | number, unknown>
      for (const key of path) node = node[key] as Record<string | number, unknown>
      node.surprise = true
      return copy
    }
    for (const path of [
      [],
      ['tool'],
      ['totals'],
      ['scenarios', 0],
      ['scenarios', 0, 'faults'],
      ['scenarios', 0, 'faults', 'tokenResponse'],
      ['scenarios', 0, 'faults', 'failures'],
      ['scenarios', 0, 'faults', 'failures', 'refresh'],
      ['scenarios', 0, 'checks', 0],
      ['scenarios', 0, 'checks', 0, 'requirement'],
      ['scenarios', 0, 'transcript', 0],
      ['scenarios', 0, 'transcript', 0, 'request'],
      ['scenarios', 0, 'transcript', 0, 'dpop'],
      ['scenarios', 0, 'transcript', 1],
      ['scenarios', 0, 'transcript', 1, 'outcome'],
      ['scenarios', 0, 'transcript', 2],
    ]) {
      expect(errorsOf(withExtra(path)), `extra field at /${path.join('/')}`).not.toEqual([])
    }
  })

  it('rejects wrong values: verdicts, refs, versions, dates', () => {
    const broken = (mutate: (r: DeepRequired<RunReport>) => void) => {
      const copy = structuredClone(maximal)
      mutate(copy)
      return errorsOf(copy)
    }
    expect(broken((r) => ((r as { schemaVersion: number }).schemaVersion = 2))).not.toEqual([])
    expect(broken((r) => ((r.scenarios[0]!.verdict as string) = 'OK'))).not.toEqual([])
    expect(broken((r) => (r.scenarios[0]!.checks[0]!.evidence = ['12']))).not.toEqual([])
    expect(broken((r) => (r.startedAt = 'yesterday'))).not.toEqual([])
    expect(broken((r) => ((r.scenarios[0]!.transcript[1] as { outcome: unknown }).outcome = { status: 'ok', code: 'x' }))).not.toEqual([])
    expect(broken((r) => ((r.scenarios[0]!.transcript[0] as { kind: string }).kind = 'step'))).not.toEqual([])
  })

  it('lists exactly the statuses and families the types know', () => {
    // `satisfies` plus the exhaustive Record keep these lists equal to the TS unions.
    const families = {
      DISC: 1, META: 1, PAR: 1, DPOP: 1, NONCE: 1, PKCE: 1, STATE: 1, ISS: 1, BIND: 1,
      TOKEN: 1, REFRESH: 1, REVOKE: 1, RES: 1, CONF: 1, LOOP: 1, SCOPE: 1, IDENT: 1, BFF: 1,
    } satisfies Record<Family, 1>
    expect(new Set(schema.$defs.family.enum)).toEqual(new Set(Object.keys(families)))
    expect(new Set(schema.$defs.status.enum)).toEqual(new Set(Object.keys(SEVERITY)))
  })
})
