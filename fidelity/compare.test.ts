import { describe, expect, it } from 'vitest'
import { compareFacts, factsOf, locationShape, tokenShapeOf } from './compare.ts'
import { reconcile, type Deviation } from './deviations.ts'
import type { CaptureResult, ProbeRun } from './probe.ts'
import { ValueMap } from './values.ts'

const AS_HEADERS: [string, string][] = [
  ['Access-Control-Allow-Origin', '*'],
  ['Cache-Control', 'no-store'],
  ['DPoP-Nonce', 'abc'],
  ['Access-Control-Expose-Headers', 'DPoP-Nonce'],
  ['Access-Control-Expose-Headers', 'WWW-Authenticate'],
  ['WWW-Authenticate', 'DPoP algs="ES256", error="invalid_dpop_proof", error_description="DPoP proof required"'],
]

describe('facts of one response', () => {
  it('status, error, description, sorted keys, nonce presence, masked challenge, cache and CORS lines', () => {
    const body = '{"error_description":"DPoP proof required","error":"invalid_dpop_proof"}'
    expect(factsOf(401, AS_HEADERS, body)).toEqual({
      status: 401,
      error: 'invalid_dpop_proof',
      description: 'DPoP proof required',
      keys: ['error', 'error_description'],
      dpopNonce: true,
      wwwAuthenticate: 'DPoP algs="ES256", error="invalid_dpop_proof", error_description=…',
      cacheControl: 'no-store',
      cors: { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'DPoP-Nonce, WWW-Authenticate' },
    })
  })

  it('XRPC `message` counts as the description; the reference HTML error page and the mock one read alike', () => {
    expect(factsOf(400, [], '{"error":"InvalidToken","message":"Malformed token"}').description).toBe('Malformed token')
    const reference = '<script>window["__errorData"]=JSON.parse("{\\"error\\":\\"invalid_request\\",\\"error_description\\":\\"Unknown request_uri\\"}")</script>'
    const mock = '<p><code id="error">invalid_request</code></p><p id="error_description">Unknown request_uri</p>'
    expect(factsOf(400, [], reference)).toMatchObject({ error: 'invalid_request', description: 'Unknown request_uri' })
    expect(factsOf(400, [], mock)).toMatchObject({ error: 'invalid_request', description: 'Unknown request_uri' })
  })

  it('Location: origin, path and parameter names in order; the target’s own origins read as the recorded issuer', () => {
    expect(locationShape('http://127.0.0.1:8080/callback?state=s&iss=x&code=c')).toBe('http://127.0.0.1:8080/callback?state,iss,code')
    expect(locationShape('http://127.0.0.1:5000/oauth/authorize?a=1', ['http://127.0.0.1:5000'])).toBe(
      'http://localhost:2583/oauth/authorize?a',
    )
  })

  it('token shape: JOSE typ/alg and claim names, never values', () => {
    const jwt = (h: object, p: object) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.sig`
    expect(tokenShapeOf(jwt({ typ: 'at+jwt', alg: 'HS256' }, { sub: 'x', aud: 'y' }))).toBe('at+jwt/HS256 aud,sub')
    expect(tokenShapeOf('ref-123')).toBeUndefined()
  })
})

describe('compareFacts', () => {
  it('names each differing field, CORS headers by name; ignored fields are not compared', () => {
    const a = factsOf(401, AS_HEADERS, '{"error":"invalid_dpop_proof","error_description":"DPoP proof required"}')
    const b = factsOf(201, [['DPoP-Nonce', 'x'], ['Access-Control-Expose-Headers', 'DPoP-Nonce']], '{"request_uri":"u","expires_in":300}')
    expect(compareFacts(a, b).map((d) => d.field)).toEqual([
      'status',
      'error',
      'description',
      'keys',
      'www-authenticate',
      'cache-control',
      'access-control-allow-origin',
      'access-control-expose-headers',
    ])
    expect(compareFacts(a, a)).toEqual([])
    expect(compareFacts({ ...a, sharedNonce: true }, { ...a, sharedNonce: false }, { ignore: ['shared-nonce'] })).toEqual([])
  })
})

describe('ValueMap', () => {
  it('replaces raw, percent-encoded and form-encoded occurrences, longest first', () => {
    const m = new ValueMap()
    m.set('urn:x:req-1', 'urn:x:req-2')
    m.set('http://localhost:2583', 'http://127.0.0.1:9')
    m.set('http://localhost:2583/a?code=c1', 'http://127.0.0.1:9/a?code=c2')
    expect(m.apply('request_uri=urn%3Ax%3Areq-1&x=urn:x:req-1')).toBe('request_uri=urn%3Ax%3Areq-2&x=urn:x:req-2')
    expect(m.apply('go http://localhost:2583/a?code=c1 then http://localhost:2583/b')).toBe(
      'go http://127.0.0.1:9/a?code=c2 then http://127.0.0.1:9/b',
    )
    m.set('same', 'same')
    expect(m.get('same')).toBe('same')
    expect(m.applyJson({ a: ['urn:x:req-1', 1] })).toEqual({ a: ['urn:x:req-2', 1] })
  })
})

describe('reconcile', () => {
  const result = (key: string, fields: string[]): CaptureResult => ({
    key,
    name: key,
    file: `main/001-${key}.json`,
    folder: 'main',
    area: 'par',
    description: '',
    outcome: fields.length ? 'differ' : 'match',
    followUp: false,
    differences: fields.map((field) => ({ field, recorded: 1, observed: 2 })),
  })
  const run = (results: CaptureResult[]): ProbeRun => ({ run: 'strict/self-hosted', target: 't', results, durationMs: 1 })
  const entry: Deviation = {
    captures: ['a', 'b'],
    profile: 'strict',
    topology: 'any',
    fields: ['status', 'error'],
    requirement: 'PAR-04',
    reason: 'deliberate in the strict profile',
  }
  const known = new Set(['a', 'b', 'c'])

  it('accepts listed differences, reports unlisted ones and stale entries', () => {
    const r = reconcile(run([result('a', ['status', 'error']), result('b', []), result('c', ['keys'])]), [entry], known)
    expect(r.accepted.map((a) => a.key)).toEqual(['a'])
    expect(r.unlisted).toEqual([{ key: 'c', fields: ['keys'] }])
    expect(r.stale).toEqual([{ capture: 'b', reason: entry.reason, why: 'the capture matches now' }])
  })

  it('a listed capture differing in other fields is both unlisted and stale; entries of other runs are ignored', () => {
    const r = reconcile(run([result('a', ['status']), result('b', ['status', 'error'])]), [entry, { ...entry, profile: 'reference' }], known)
    expect(r.unlisted).toEqual([{ key: 'a', fields: ['status'], listed: ['status', 'error'] }])
    expect(r.stale.map((s) => s.capture)).toEqual(['a'])
  })

  it('an entry for an unknown capture is stale; a strict entry without requirement is invalid', () => {
    const r = reconcile(run([]), [{ ...entry, captures: ['nope'], requirement: undefined }], known)
    expect(r.stale[0]!.why).toBe('no capture of that name')
    expect(r.invalid).toHaveLength(1)
  })
})
