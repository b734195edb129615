import { describe, expect, it } from 'vitest'
import { ctx, fakeKey, goodFlow, ISSUER, jws, proof, TranscriptBuilder, type FlowFlaws } from '../../test/support/transcripts.ts'
import type { Check } from '../../harness/check.ts'
import { REQUIREMENTS } from '../catalog.ts'
import { ALWAYS_ON_CHECKS } from './index.ts'

const byId = new Map(ALWAYS_ON_CHECKS.map((c) => [c.id, c]))
function judge(id: string, flaws: FlowFlaws = {}) {
  const check = byId.get(id) as Check
  return check.judge(ctx(goodFlow(flaws)))
}

// Each always-on check: the clean flow passes (or skips when nothing applies); one flaw makes it fail.
const KILLS: [string, keyof FlowFlaws][] = [
  ['par.pushed', 'extraAuthorizeParams'],
  ['par.dpop', 'noParDpop'],
  ['pkce.s256', 'plainPkce'],
  ['pkce.verifier', 'wrongVerifier'],
  ['scope.atproto', 'noAtprotoScope'],
  ['state.present', 'noState'],
  ['dpop.proof-shape', 'typJwt'],
  ['dpop.htu', 'htuWithQuery'],
  ['dpop.fresh-jti', 'reuseJti'],
  ['dpop.ath', 'noAth'],
  ['dpop.same-key', 'switchKeyAtToken'],
  ['nonce.retry', 'ignoreNonce'],
  ['nonce.bounded', 'loopOnNonce'],
  ['res.dpop-scheme', 'bearer'],
  ['token.code-once', 'reuseCode'],
  ['refresh.rotation', 'reuseRefreshToken'],
  ['revoke.dpop', 'revokeWithoutDpop'],
  ['loop.no-prompt-none', 'promptNone'],
  ['nonce.latest', 'staleNonce'],
  ['nonce.per-origin', 'sharedNonce'],
  ['dpop.standard-claims', 'extraClaim'],
  ['dpop.signature', 'badSignature'],
  ['dpop.single-header', 'twoProofs'],
  ['par.form-body', 'jsonPar'],
  ['par.request-fields', 'noState'],
  ['conf.no-client-secret', 'clientSecret'],
  ['token.secrets-confidential', 'tokenInUrl'],
  ['res.token-to-pds-only', 'tokenToAs'],
  ['state.redirect-uri', 'tokenRedirectMismatch'],
  ['token.request-shape', 'tokenJsonBody'],
]

describe('always-on checks', () => {
  it.each(KILLS)('%s passes the clean flow and fails with flaw %s', (id, flaw) => {
    expect(judge(id).kind).toBe('pass')
    const finding = judge(id, { [flaw]: true })
    expect(finding.kind).toBe('fail')
    if (finding.kind === 'fail') {
      expect(finding.expected.length).toBeGreaterThan(0)
      expect(finding.evidence.length).toBeGreaterThan(0)
    }
  })

  it('fails only the intended check for each flaw', () => {
    for (const [id, flaw] of KILLS) {
      // One transcript for all the checks (they are pure, tested below): a transcript costs two key pairs.
      const flow = goodFlow({ [flaw]: true })
      const failing = ALWAYS_ON_CHECKS.filter((c) => c.judge(ctx(flow)).kind === 'fail').map((c) => c.id)
      expect(failing, `flaw ${flaw}`).toContain(id)
    }
  })

  it('flags ath sent to the authorization server', () => {
    expect(judge('dpop.ath', { athAtAs: true }).kind).toBe('fail')
  })

  it('is a pure function: the same transcript always gets the same verdicts', () => {
    const t = goodFlow({ reuseJti: true })
    const first = ALWAYS_ON_CHECKS.map((c) => JSON.stringify(c.judge(ctx(t))))
    for (let i = 0; i < 20; i++) expect(ALWAYS_ON_CHECKS.map((c) => JSON.stringify(c.judge(ctx(t))))).toEqual(first)
  })

  it('has unique ids and requirement ids from the catalog', () => {
    expect(new Set(ALWAYS_ON_CHECKS.map((c) => c.id)).size).toBe(ALWAYS_ON_CHECKS.length)
    for (const c of ALWAYS_ON_CHECKS) expect(REQUIREMENTS.has(c.requirement.id), c.id).toBe(true)
  })
})

// Describe blocks stay synchronous: collection has no timeout, so an await there could stall the file unseen.
describe('confidential client checks', () => {
  const clientId = 'https://client.world.internal/client-metadata.json'
  const assertion = (claims: Record<string, unknown> = {}) =>
    jws({ alg: 'ES256', kid: 'k1' }, { iss: clientId, sub: clientId, aud: ISSUER, jti: Math.random().toString(36).slice(2), iat: 1, exp: 61, ...claims })
  function flow(first: string, retry: string, token: string) {
    const b = new TranscriptBuilder()
    const key = fakeKey()
    const params = (a: string) => ({ client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a })
    b.add({ url: `${ISSUER}/oauth/par`, headers: { dpop: proof(key, 'POST', `${ISSUER}/oauth/par`) }, params: params(first), status: 400, resBody: { error: 'use_dpop_nonce' } })
    b.add({ url: `${ISSUER}/oauth/par`, headers: { dpop: proof(key, 'POST', `${ISSUER}/oauth/par`) }, params: params(retry), status: 201, resBody: { request_uri: 'urn:x' } })
    b.add({ url: `${ISSUER}/oauth/token`, headers: { dpop: proof(key, 'POST', `${ISSUER}/oauth/token`) }, params: params(token), status: 200, resBody: {} })
    return b.t
  }
  const judgeConf = (id: string, t: ReturnType<typeof flow>) => (byId.get(id) as Check).judge(ctx(t))

  it('conf.assertion passes well-formed assertions and fails an endpoint-URL aud or a missing kid', () => {
    expect(judgeConf('conf.assertion', flow(assertion(), assertion(), assertion())).kind).toBe('pass')
    expect(judgeConf('conf.assertion', flow(assertion(), assertion({ aud: `${ISSUER}/oauth/token` }), assertion())).kind).toBe('fail')
    const noKid = jws({ alg: 'ES256' }, { iss: clientId, sub: clientId, aud: ISSUER, jti: 'j', exp: 1 })
    expect(judgeConf('conf.assertion', flow(assertion(), noKid, assertion())).kind).toBe('fail')
  })
  it('conf.fresh-jti fails an assertion presented again after the AS processed it', () => {
    const a = assertion()
    expect(judgeConf('conf.fresh-jti', flow(assertion(), a, assertion())).kind).toBe('pass')
    expect(judgeConf('conf.fresh-jti', flow(assertion(), a, a)).kind).toBe('fail')
  })
  it('conf.fresh-on-retry fails (as a SHOULD) an assertion resent on the nonce retry', () => {
    const a = assertion()
    expect(judgeConf('conf.fresh-on-retry', flow(assertion(), assertion(), assertion())).kind).toBe('pass')
    expect(judgeConf('conf.fresh-on-retry', flow(a, a, assertion())).kind).toBe('fail')
    expect(byId.get('conf.fresh-on-retry')!.requirement.level).toBe('SHOULD')
  })
})

describe('meta.document', () => {
  const served = (doc: Record<string, unknown>) => {
    const b = new TranscriptBuilder()
    b.add({ server: 'client-host', actor: 'authorization-server', method: 'GET', url: 'https://client.world.internal/client-metadata.json', status: 200, resBody: doc })
    return (byId.get('meta.document') as Check).judge(ctx(b.t))
  }
  const good = { client_id: 'https://client.world.internal/client-metadata.json', scope: 'atproto', dpop_bound_access_tokens: true, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }
  it('passes a valid document and fails dpop_bound_access_tokens false or both key sources', () => {
    expect(served(good).kind).toBe('pass')
    expect(served({ ...good, dpop_bound_access_tokens: false }).kind).toBe('fail')
    expect(served({ ...good, jwks_uri: 'https://client.world.internal/jwks.json' }).kind).toBe('fail')
  })
})

describe('scope.declared', () => {
  const clientId = 'https://client.world.internal/oauth-client-metadata.json'
  const par = (b: InstanceType<typeof TranscriptBuilder>, scope: string) =>
    b.add({ url: `${ISSUER}/oauth/par`, params: { client_id: clientId, scope }, status: 400, resBody: { error: 'invalid_scope' } })
  const judgeScope = (b: InstanceType<typeof TranscriptBuilder>) => (byId.get('scope.declared') as Check).judge(ctx(b.t))
  const fetched = (b: InstanceType<typeof TranscriptBuilder>) =>
    b.add({ server: 'client-host', actor: 'authorization-server', method: 'GET', url: clientId, status: 200, resBody: { client_id: clientId, scope: 'atproto' } })
  it('judges each PAR by what the client declared then: the fetched document, or one a step deployed since (META-18)', () => {
    const deployed = new TranscriptBuilder()
    fetched(deployed)
    par(deployed, 'atproto')
    deployed.t.note('the client deploys metadata', { deployed: { client_id: clientId, scope: 'atproto transition:email' } })
    par(deployed, 'atproto transition:email')
    expect(judgeScope(deployed).kind).toBe('pass')
    const undeclared = new TranscriptBuilder()
    fetched(undeclared)
    par(undeclared, 'atproto transition:email')
    expect(judgeScope(undeclared)).toMatchObject({ kind: 'fail', observed: expect.stringContaining('undeclared transition:email') })
  })
})
