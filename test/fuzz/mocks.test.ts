import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redactTranscript } from '../../harness/redact.ts'
import type { TranscriptEntry } from '../../model/transcript.ts'
import { closeFuzzContext, createFuzzContext, FUZZ_ENDPOINTS, fuzzEndpoint, stillServing, type FuzzContext } from './endpoints.ts'

/**
 * The bounded fuzz run of `npm test`: a few dozen generated requests per endpoint (a new seed each run, printed
 * on failure so it can be replayed); `npm run soak` sends 10 000 per endpoint. See endpoints.ts for the property.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40)

for (const variant of [
  { name: 'reference profile, entryway', options: {}, runs: RUNS },
  { name: 'strict profile, self-hosted', options: { profile: 'strict', topology: 'self-hosted' } as const, runs: Math.ceil(RUNS / 3) },
]) {
  describe(`fuzzing every mock endpoint (${variant.name})`, () => {
    let ctx: FuzzContext
    beforeAll(async () => {
      ctx = await createFuzzContext(variant.options)
    })
    afterAll(async () => {
      await closeFuzzContext(ctx)
    })

    for (const ep of FUZZ_ENDPOINTS) {
      it(`${ep.id}: never a 5xx, never a hang, always a well-formed error`, async () => {
        await fuzzEndpoint(ctx, ep, variant.runs)
      })
    }

    it('still serves good requests afterwards, with no harness fault recorded', async () => {
      expect(await stillServing(ctx.world)).toEqual([])
    })
  })
}

describe('fixed inputs the fuzzer once found', () => {
  let ctx: FuzzContext
  beforeAll(async () => {
    ctx = await createFuzzContext()
  })
  afterAll(async () => {
    await closeFuzzContext(ctx)
  })

  it('a PLC lookup of a bad percent-escape (GET /%25E0) is a 404, not a 500', async () => {
    const res = await fetch(`${ctx.world.urls.identity}/%25E0`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ message: 'DID not registered: %E0' })
    expect(ctx.world.harnessFaults).toEqual([])
  })
})

const keys = fc.constantFrom('code', 'token', 'client_assertion', 'x', 'd', 'kty', 'url')
const secret = fc.stringMatching(/^[A-Za-z0-9%_.~-]{0,40}$/)
const entry: fc.Arbitrary<TranscriptEntry> = fc.oneof(
  fc.record({
    kind: fc.constant('http' as const),
    seq: fc.nat(),
    ref: fc.constant('#1'),
    server: fc.constant('as' as const),
    actor: fc.constant('client' as const),
    at: fc.nat(),
    step: fc.nat(),
    startTick: fc.nat(),
    endTick: fc.nat(),
    request: fc.record({
      method: fc.constant('POST'),
      url: fc.tuple(fc.webUrl(), secret).map(([u, s]) => `${u}?code=${s}&state=%E0`),
      path: fc.constant('/oauth/token'),
      headers: fc.dictionary(fc.constantFrom('authorization', 'dpop', 'location', 'cookie', 'x'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 }))),
      body: fc.option(fc.oneof(fc.string(), secret.map((s) => `code=${s}&refresh_token=%zz${s}&password=${s}`), fc.json()), { nil: undefined }),
      params: fc.option(fc.dictionary(keys, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(keys, fc.string({ unit: 'binary' })))), { nil: undefined }),
    }),
    response: fc.record({ status: fc.integer({ min: 100, max: 599 }), headers: fc.constant({}), body: fc.option(fc.json(), { nil: undefined }) }),
    dpop: fc.option(
      fc.record({ header: fc.record({ jwk: fc.dictionary(fc.constantFrom('kty', 'crv', 'x', 'y', 'd', 'k'), fc.string()) }), payload: fc.constant({}), raw: fc.string() }),
      { nil: undefined },
    ),
  }),
  fc.record({ kind: fc.constant('note' as const), seq: fc.nat(), ref: fc.constant('#2'), step: fc.nat(), at: fc.nat(), text: fc.string(), data: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    kind: fc.constant('step' as const),
    seq: fc.nat(),
    ref: fc.constant('#3'),
    step: fc.nat(),
    op: fc.constant('callback'),
    at: fc.nat(),
    outcome: fc.oneof(
      fc.record({ status: fc.constant('ok' as const), result: fc.dictionary(keys, fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 2 }))) }),
      fc.record({ status: fc.constantFrom('rejected' as const, 'error' as const), code: fc.string(), message: fc.oneof(fc.string(), secret.map((s) => `refresh_token=%zz${s}`)) }),
    ),
  }),
)

describe('redaction of hostile transcripts', () => {
  it('never throws, whatever a client sent (bad percent-escapes included), and drops private JWK members of proofs', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const out = redactTranscript(entries)
        expect(out).toHaveLength(entries.length)
        for (const e of out) {
          if (e.kind !== 'http' || !e.dpop) continue
          const jwk = e.dpop.header.jwk as Record<string, unknown>
          for (const m of ['d', 'k']) if (m in jwk) expect(jwk[m]).toBe('[redacted private key]')
        }
      }),
      { numRuns: 200 },
    )
  })
})
