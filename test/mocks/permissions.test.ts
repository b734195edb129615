import { describe, expect, it } from 'vitest'
import { completeAuthorization } from '../../harness/user-agent.ts'
import type { FaultPlan } from '../../mock-as/faults.ts'
import { CONFORMANCE_SET } from '../../mock-as/permission-sets.ts'
import { header } from '../helpers/http.ts'
import { REDIRECT_URI, TestClient } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const INCLUDE = `include:${CONFORMANCE_SET}?aud=did:web:svc.conformance.test%23test_svc`
const EXPANDED =
  'repo?collection=test.conformance.like&collection=test.conformance.post rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test%23test_svc'
const BARE_RPC = 'rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test'
const FEED_RPC = 'rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test%23test_svc'
const SVC = 'did:web:svc.conformance.test#test_svc'

async function client(scope: string, faults: FaultPlan = {}) {
  const w = await world({ faults })
  const clientId = `http://localhost?redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=${encodeURIComponent(scope)}`
  const c = await TestClient.create(w, clientId)
  const login = async (omitScopes?: string[]) => {
    const par = await c.par({ scope })
    expect(par.res.status, par.res.text).toBe(201)
    const { plc } = w.accounts
    const response = await completeAuthorization(c.authorizeUrl(par.requestUri), [w.urls.issuer], {
      username: plc.handle,
      password: plc.password,
      decision: 'approve',
      omitScopes,
    })
    return { response, pkce: par.pkce }
  }
  const tokens = async (omitScopes?: string[]) => {
    const { response, pkce } = await login(omitScopes)
    const res = await c.exchange(response.params.get('code')!, pkce.verifier)
    expect(res.status, res.text).toBe(200)
    return res.json as { access_token: string; refresh_token: string; scope: string }
  }
  return { w, c, login, tokens }
}

const post = (repo: string, collection: string) => ({ repo, collection, record: { $type: collection, text: 't', createdAt: '2026-01-01T00:00:00Z' } })

describe('mock AS: granted scope like @atproto/oauth-provider 0.22.9', () => {
  it('drops a declared permission that does not parse, without an error (SCOPE-09)', async () => {
    const { tokens } = await client(`atproto repo:test.conformance.post?action=create ${BARE_RPC}`)
    expect((await tokens()).scope).toBe('atproto repo:test.conformance.post?action=create')
  })

  it('expands include: into canonical repo:/rpc: permissions, expansions first (SCOPE-08)', async () => {
    const { tokens } = await client(`atproto ${INCLUDE} blob:image/*`)
    expect((await tokens()).scope).toBe(`${EXPANDED} atproto blob:image/*`)
  })

  it('re-expands at refresh from its copy, re-resolved once it is 5 min old (SCOPE-07)', async () => {
    const { w, c, tokens } = await client(`atproto ${INCLUDE}`)
    const first = await tokens()
    w.setFaults({ permissions: { sets: { republish: { [CONFORMANCE_SET]: [{ type: 'permission', resource: 'repo', collection: ['test.conformance.post'] }] } } } })
    const early = await c.refresh(first.refresh_token)
    expect(early.json.scope).toBe(`${EXPANDED} atproto`)
    w.clock.advance(300_000)
    const late = await c.refresh(early.json.refresh_token)
    expect(late.json.scope).toBe('repo:test.conformance.post atproto')
  })

  it('refuses a PAR whose permission set does not resolve, and keeps the failure for 5 min (PAR-11)', async () => {
    const { w, c } = await client(`atproto ${INCLUDE}`, { permissions: { sets: { unresolvable: [CONFORMANCE_SET] } } })
    const refused = await c.par({ scope: `atproto ${INCLUDE}` })
    expect({ status: refused.res.status, body: refused.res.json }).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: `Could not resolve Lexicon for NSID (${CONFORMANCE_SET})` },
    })
    w.setFaults({ permissions: {} })
    expect((await c.par({ scope: `atproto ${INCLUDE}` })).res.status).toBe(400)
    w.clock.advance(300_000)
    expect((await c.par({ scope: `atproto ${INCLUDE}` })).res.status).toBe(201)
  })

  it('fails the code exchange with invalid_request when the set is no longer a permission set (PAR-11)', async () => {
    const { w, c, login } = await client(`atproto ${INCLUDE}`)
    const { response, pkce } = await login()
    w.setFaults({ permissions: { sets: { notPermissionSet: [CONFORMANCE_SET], noCache: true } } })
    const res = await c.exchange(response.params.get('code')!, pkce.verifier)
    expect({ status: res.status, body: res.json }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: `Lexicon document is not a permission set (${CONFORMANCE_SET})` },
    })
    // The code was spent.
    expect((await c.exchange(response.params.get('code')!, pkce.verifier)).json.error).toBe('invalid_grant')
  })

  it('variant: returns the include: unexpanded while the PDS still honours the set', async () => {
    const { w, c, tokens } = await client(`atproto ${INCLUDE}`, { permissions: { grantIncludeUnexpanded: true } })
    const t = await tokens()
    expect(t.scope).toBe(`atproto ${INCLUDE}`)
    const res = await c.xrpc('/xrpc/com.atproto.repo.createRecord', { token: t.access_token, method: 'POST', body: post(w.accounts.plc.did, 'test.conformance.post') })
    expect(res.status, res.text).toBe(200)
  })

  it('consent: the user removes a permission (partial grant); removing atproto is refused', async () => {
    const { tokens, login } = await client('atproto repo:test.conformance.post?action=create blob:image/*')
    expect((await tokens(['blob:'])).scope).toBe('atproto repo:test.conformance.post?action=create')
    const { response } = await login(['atproto'])
    expect(Object.fromEntries(response.params)).toMatchObject({ error: 'access_denied', error_description: 'The "atproto" scope is required' })
  })
})

describe('mock PDS: permissions enforced like @atproto/pds 0.5.35', () => {
  it('repo writes by collection and action, with the reference 403 naming the missing scope (RES-05)', async () => {
    const { w, c, tokens } = await client('atproto repo:test.conformance.post?action=create')
    const t = await tokens()
    const did = w.accounts.plc.did
    const call = (nsid: string, body: unknown) => c.xrpc(`/xrpc/${nsid}`, { token: t.access_token, method: 'POST', body })
    expect((await call('com.atproto.repo.createRecord', post(did, 'test.conformance.post'))).status).toBe(200)
    const refused = await call('com.atproto.repo.createRecord', post(did, 'app.bsky.feed.post'))
    expect({ status: refused.status, body: refused.json }).toEqual({
      status: 403,
      body: { error: 'ScopeMissingError', message: 'Missing required scope "repo:app.bsky.feed.post?action=create"' },
    })
    expect(header(refused, 'www-authenticate')).toBeUndefined()
    const put = await call('com.atproto.repo.putRecord', { ...post(did, 'test.conformance.post'), rkey: 'a' })
    expect(put.json.message).toBe('Missing required scope "repo:test.conformance.post?action=update"')
    const del = await call('com.atproto.repo.deleteRecord', { repo: did, collection: 'test.conformance.post', rkey: 'a' })
    expect(del.json.message).toBe('Missing required scope "repo:test.conformance.post?action=delete"')
    const writes = await call('com.atproto.repo.applyWrites', {
      repo: did,
      writes: [{ $type: 'com.atproto.repo.applyWrites#create', collection: 'test.conformance.post', value: {} }],
    })
    expect(writes.status, writes.text).toBe(200)
  })

  it('names a missing scope the way other servers do (BP-120)', async () => {
    for (const [variant, error] of [['InsufficientScope', 'InsufficientScope'], ['insufficient_scope-challenge', 'insufficient_scope']] as const) {
      const { w, c, tokens } = await client('atproto', { permissions: { missingScopeAnswer: variant } })
      const t = await tokens()
      const res = await c.xrpc('/xrpc/com.atproto.repo.createRecord', { token: t.access_token, method: 'POST', body: post(w.accounts.plc.did, 'x.y.z') })
      expect({ status: res.status, error: res.json.error }).toEqual({ status: 403, error })
      if (variant === 'insufficient_scope-challenge') expect(header(res, 'www-authenticate')).toMatch(/^DPoP error="insufficient_scope"/)
    }
  })

  it('blobs by MIME type', async () => {
    const { c, tokens } = await client('atproto blob:image/*')
    const t = await tokens()
    const upload = (type: string) => c.xrpc('/xrpc/com.atproto.repo.uploadBlob', { token: t.access_token, method: 'POST', body: 'bytes', headers: { 'content-type': type } })
    expect((await upload('image/png')).json.blob).toMatchObject({ $type: 'blob', mimeType: 'image/png', size: 5 })
    expect((await upload('text/plain')).json).toEqual({ error: 'ScopeMissingError', message: 'Missing required scope "blob:text/plain"' })
  })

  it('proxied calls by method and did#service audience (RES-07)', async () => {
    const { c, tokens } = await client(`atproto ${FEED_RPC}`)
    const t = await tokens()
    const proxied = (proxy: string, nsid = 'test.conformance.getFeed') => c.xrpc(`/xrpc/${nsid}`, { token: t.access_token, headers: { 'atproto-proxy': proxy } })
    expect((await proxied(SVC)).json).toMatchObject({ service: SVC, lxm: 'test.conformance.getFeed' })
    expect((await proxied('did:web:svc.conformance.test')).json).toEqual({ error: 'InvalidRequest', message: 'no service id specified in proxy header' })
    expect((await proxied('did:web:svc.conformance.test#other_svc')).json).toEqual({
      error: 'ScopeMissingError',
      message: 'Missing required scope "rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test%23other_svc"',
    })
    expect((await proxied(SVC, 'test.conformance.getThread')).status).toBe(403)
  })

  it('getServiceAuth: lxm defaults to *, aud compared as spelled, exp limits (RES-07)', async () => {
    const { w, c, tokens } = await client(`atproto ${FEED_RPC}`)
    const t = await tokens()
    const get = (q: string) => c.xrpc(`/xrpc/com.atproto.server.getServiceAuth?${q}`, { token: t.access_token })
    const aud = encodeURIComponent(SVC)
    expect((await get(`aud=${aud}&lxm=test.conformance.getFeed`)).json.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect((await get(`aud=did:web:svc.conformance.test&lxm=test.conformance.getFeed`)).json.message).toBe(
      'Missing required scope "rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test"',
    )
    expect((await get(`aud=${aud}`)).json.message).toBe('Missing required scope "rpc:*?aud=did:web:svc.conformance.test%23test_svc"')
    const exp = Math.floor(w.clock.now() / 1000) + 2 * 3600
    expect((await get(`aud=${aud}&lxm=test.conformance.getFeed&exp=${exp}`)).json).toEqual({
      error: 'BadExpiration',
      message: 'cannot request a token with an expiration more than an hour in the future',
    })
  })

  it('deactivateAccount needs account:status?action=manage and revokes every session (SCOPE-11)', async () => {
    const denied = await client('atproto')
    const d = await denied.tokens()
    const res = await denied.c.xrpc('/xrpc/com.atproto.server.deactivateAccount', { token: d.access_token, method: 'POST' })
    expect(res.json).toEqual({ error: 'ScopeMissingError', message: 'Missing required scope "account:status?action=manage"' })
    const { c, tokens } = await client('atproto account:status?action=manage')
    const t = await tokens()
    expect((await c.xrpc('/xrpc/com.atproto.server.deactivateAccount', { token: t.access_token, method: 'POST' })).status).toBe(200)
    expect((await c.refresh(t.refresh_token)).json.error).toBe('invalid_grant')
  })
})
