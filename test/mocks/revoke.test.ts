import { describe, expect, it } from 'vitest'
import { newDpopKey } from '../helpers/dpop.ts'
import { expectAsError, expectAsOk, expectTokenResponse, expectXrpcOAuthError, expectXrpcOk } from '../helpers/expect-wire.ts'
import { CLIENT_ID, TestClient } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const CREDENTIALS_MISSING =
  'Client credentials missing: Required at body.client_id; Invalid literal value, expected ' +
  '"urn:ietf:params:oauth:client-assertion-type:jwt-bearer" at body.client_assertion_type; Required at ' +
  'body.client_assertion, or Required at body.client_id; Required at body.client_secret, or Required at body.client_id'
const GET_SESSION = '/xrpc/com.atproto.server.getSession'

async function loggedIn() {
  const w = await world()
  const client = await TestClient.create(w)
  const { tokens } = await client.login()
  return { w, client, tokens }
}

function expectRevokeOk(res: Awaited<ReturnType<TestClient['revoke']>>): void {
  expectAsOk(res, 200)
  expect(res.json).toEqual({})
}

describe('POST /oauth/revoke (reference-wire.md §7, §11.4)', () => {
  it('access token without DPoP → 200 {} but NOT revoked (access and refresh keep working)', async () => {
    const { w, client, tokens } = await loggedIn()
    expectRevokeOk(await client.revoke(tokens.access_token, { key: null }))
    expectXrpcOk(await client.xrpc(GET_SESSION, { token: tokens.access_token }))
    expectTokenResponse(await client.refresh(tokens.refresh_token), w.accounts.plc.did)
  })

  it('access token with DPoP from the bound key → 200 {}; the whole session is revoked', async () => {
    const { client, tokens } = await loggedIn()
    expectRevokeOk(await client.revoke(tokens.access_token))
    const rs = await client.xrpc(GET_SESSION, { token: tokens.access_token })
    expectXrpcOAuthError(rs, 'invalid_token', 'Invalid token')
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('refresh token (+token_type_hint) with DPoP → 200 {}; access token dead too', async () => {
    const { client, tokens } = await loggedIn()
    expectRevokeOk(await client.revoke(tokens.refresh_token, { overrides: { token_type_hint: 'refresh_token' } }))
    expectXrpcOAuthError(await client.xrpc(GET_SESSION, { token: tokens.access_token }), 'invalid_token', 'Invalid token')
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('the authorization code the session came from → 200 {}; the session is revoked', async () => {
    const client = await TestClient.create(await world())
    const { code, pkce } = await client.code()
    const tokens = (await client.exchange(code, pkce.verifier)).json
    expectRevokeOk(await client.revoke(code))
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('token missing, empty, or a bogus token_type_hint → 400 invalid_request in the reference schema words', async () => {
    const { client, tokens } = await loggedIn()
    const prefix = 'Invalid request payload: '
    expectAsError(await client.revoke(undefined as never), 400, 'invalid_request', `${prefix}Required at body.token, or Required at body.token`)
    expectAsError(await client.revoke(''), 400, 'invalid_request', `${prefix}String must contain at least 1 character(s) at body.token`)
    const hint = await client.revoke(tokens.refresh_token, { overrides: { token_type_hint: 'bogus' } })
    expectAsError(hint, 400, 'invalid_request', `${prefix}Invalid enum value. Expected 'access_token' | 'refresh_token', received 'bogus' at body.token_type_hint`)
  })

  it('DPoP from another key → 200 {} and NOT revoked', async () => {
    const { client, tokens } = await loggedIn()
    expectRevokeOk(await client.revoke(tokens.access_token, { key: await newDpopKey() }))
    expectXrpcOk(await client.xrpc(GET_SESSION, { token: tokens.access_token }))
  })

  it('DPoP without nonce → 400 use_dpop_nonce (no WWW-Authenticate)', async () => {
    const { client, tokens } = await loggedIn()
    const res = await client.post(
      '/oauth/revoke',
      { token: tokens.access_token, client_id: CLIENT_ID },
      { dpop: await client.asProof('/oauth/revoke', { nonce: null }) },
    )
    expectAsError(res, 400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof')
    expectXrpcOk(await client.xrpc(GET_SESSION, { token: tokens.access_token }))
  })

  it('garbage token → 200 {} (with and without DPoP)', async () => {
    const { client } = await loggedIn()
    expectRevokeOk(await client.revoke('garbage', { key: null }))
    expectRevokeOk(await client.revoke('garbage'))
  })

  it('JSON body with DPoP (unknown refresh token) → 200 {}', async () => {
    const { client } = await loggedIn()
    const res = await client.postWithDpop(
      '/oauth/revoke',
      { token: 'ref-0000', token_type_hint: 'refresh_token', client_id: CLIENT_ID },
      {},
      { json: true },
    )
    expectRevokeOk(res)
  })

  it('no client_id → 400 invalid_request "Client credentials missing: …"', async () => {
    const { client } = await loggedIn()
    const res = await client.post('/oauth/revoke', { token: 'garbage' })
    expectAsError(res, 400, 'invalid_request', CREDENTIALS_MISSING)
  })
})
