import { describe, expect, it } from 'vitest'
import { ctx, ISSUER, TranscriptBuilder } from '../test/support/transcripts.ts'
import { judgeExpectation } from './judge.ts'
import type { Scenario, Step } from './scenario.ts'
import type { StepOutcome } from '../model/transcript.ts'

function run(steps: Step[], expect_: Scenario['expect'], outcomes: StepOutcome[], requests: { step: number; path: string; status?: number; body?: unknown }[] = []) {
  const b = new TranscriptBuilder()
  outcomes.forEach((outcome, i) => {
    for (const r of requests.filter((q) => q.step === i)) b.add({ url: `${ISSUER}${r.path}`, status: r.status ?? 200, resBody: r.body, step: i })
    b.t.addStep(i, steps[i]!.op, outcome)
  })
  return judgeExpectation(ctx(b.t, { steps, expect: expect_ }))
}
const ok: StepOutcome = { status: 'ok' }
const no = (message = 'no'): StepOutcome => ({ status: 'rejected', code: 'X', message })
const login: Step[] = [{ op: 'authorize' }, { op: 'callback' }]

describe('judgeExpectation', () => {
  it('completes: passes when every step completed, fails naming the refused step', () => {
    expect(run(login, { completes: true }, [ok, ok]).kind).toBe('pass')
    const f = run(login, { completes: true }, [ok, no('bad iss')])
    expect(f).toMatchObject({ kind: 'fail', observed: 'step 2 (callback) failed: X: bad iss' })
  })
  it('completes: a mayFail step may be refused', () => {
    const steps: Step[] = [...login, { op: 'refresh', mayFail: true }, { op: 'refresh' }]
    expect(run(steps, { completes: true }, [ok, ok, no(), ok]).kind).toBe('pass')
  })
  it('completes: sends and atMost count requests, nonce challenges aside', () => {
    expect(run(login, { completes: true, sends: ['POST /oauth/revoke'] }, [ok, ok]).kind).toBe('fail')
    const reqs = [
      { step: 1, path: '/oauth/token', status: 400, body: { error: 'use_dpop_nonce' } },
      { step: 1, path: '/oauth/token' },
    ]
    expect(run(login, { completes: true, atMost: { 'POST /oauth/token': 1 } }, [ok, ok], reqs).kind).toBe('pass')
    expect(run(login, { completes: true, atMost: { 'POST /oauth/token': 1 } }, [ok, ok], [...reqs, { step: 1, path: '/oauth/token' }]).kind).toBe('fail')
  })
  it('completes: sessionScope compares the scope the client reported last', () => {
    const scoped = (scope: string): StepOutcome => ({ status: 'ok', result: { sub: 'did:plc:x', scope } })
    expect(run(login, { completes: true, sessionScope: 'atproto' }, [ok, scoped('atproto')]).kind).toBe('pass')
    expect(run(login, { completes: true, sessionScope: 'atproto' }, [ok, scoped('atproto transition:generic')]).kind).toBe('fail')
  })
  it('failsAt: passes a refusal without forbidden requests; fails acceptance, forbidden requests, an early refusal', () => {
    const e = { failsAt: 'callback' as const, forbidden: ['POST /oauth/token' as const] }
    expect(run(login, e, [ok, no()]).kind).toBe('pass')
    expect(run(login, e, [ok, ok])).toMatchObject({ kind: 'fail', observed: 'the client accepted it' })
    expect(run(login, e, [ok, no()], [{ step: 1, path: '/oauth/token' }])).toMatchObject({ kind: 'fail', evidence: ['#2', '#3'] })
    expect(run(login, e, [no()]).kind).toBe('fail')
  })
  it('failsAt: a required message must match the refusal', () => {
    const e = { failsAt: 'callback' as const, forbidden: ['POST /oauth/token' as const], message: 'access_denied' }
    expect(run(login, e, [ok, no('the user said access_denied')]).kind).toBe('pass')
    expect(run(login, e, [ok, no('missing code')]).kind).toBe('fail')
  })
  it('failsAt with nth: the earlier steps with that op must complete, the nth must be refused', () => {
    const steps: Step[] = [...login, { op: 'authorize' }]
    const e: Scenario['expect'] = { failsAt: 'authorize', nth: 2, atMost: { 'POST /oauth/par': 2 } }
    expect(run(steps, e, [ok, ok, no()])).toMatchObject({ kind: 'pass', evidence: ['#3'] })
    expect(run(steps, e, [no()])).toMatchObject({ kind: 'fail', observed: 'step 1 (authorize) already failed: X: no' })
    expect(run(steps, e, [ok, ok, ok])).toMatchObject({ kind: 'fail', observed: 'the client accepted it' })
    expect(run(steps, { ...e, nth: 3 }, [ok, ok, no()])).toMatchObject({ kind: 'skip' })
  })
})
