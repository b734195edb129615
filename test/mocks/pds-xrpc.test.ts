import { describe, expect, it } from 'vitest'
import type { World } from '../../harness/world.ts'
import { newDpopKey } from '../helpers/dpop.ts'
import { expectXrpcOAuthError, expectXrpcOk, expectXrpcPlainError } from '../helpers/expect-wire.ts'
import { header, headerLines, send } from '../helpers/http.ts'
import { TestClient, type Tokens } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const GET_SESSION = '/xrpc/com.atproto.server.getSession'
const CREATE_RECORD = '/xrpc/com.atproto.repo.createRecord'

/** A logged-in client that already knows the PDS nonce, so each test sends exactly the request it names. */
async function loggedIn(options: Parameters<typeof world>[0] = {}): Promise<{ w: World; client: TestClient; tokens: Tokens }> {
  const w = await world(options)
  const client = await TestClient.create(w)
  const { tokens } = await client.login()
  await client.warmPds(tokens.access_token)
  return { w, client, tokens }
}

function once(client: TestClient, token: string, options: Parameters<TestClient['xrpc']>[1] = {}) {
  return client.xrpc(GET_SESSION, { token, retry: false, ...options })
}

describe('PDS getSession / createRecord with DPoP (reference-wire.md §6)', () => {
  it('getSession → 200 {did, handle, active} with DPoP-Nonce, Cache-Control private', async () => {
    const { w, client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token)
    expectXrpcOk(res)
    expect(res.json).toEqual({ did: w.accounts.plc.did, handle: 'alice.test', active: true })
    expect(header(res, 'content-type')).toBe('application/json; charset=utf-8')
  })

  it('createRecord → 200 {uri, cid, commit, validationStatus}', async () => {
    const { w, client, tokens } = await loggedIn()
    const res = await client.xrpc(CREATE_RECORD, {
      token: tokens.access_token,
      method: 'POST',
      retry: false,
      body: { repo: w.accounts.plc.did, collection: 'app.bsky.feed.post', record: { text: 'hi', $type: 'app.bsky.feed.post' } },
    })
    expectXrpcOk(res)
    expect(Object.keys(res.json).sort()).toEqual(['cid', 'commit', 'uri', 'validationStatus'])
    expect(res.json.uri).toMatch(new RegExp(`^at://${w.accounts.plc.did}/app\\.bsky\\.feed\\.post/`))
  })

  it('createRecord with a bad body → 400 InvalidRequest (XRPC shape), auth headers kept', async () => {
    const { client, tokens } = await loggedIn()
    const res = await client.xrpc(CREATE_RECORD, { token: tokens.access_token, method: 'POST', retry: false, body: {} })
    expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error: 'InvalidRequest' })
    expect(header(res, 'dpop-nonce')).toBeDefined()
  })

  it('createRecord with a proof for GET → 401 `DPoP "htm" mismatch`', async () => {
    const { w, client, tokens } = await loggedIn()
    const res = await client.xrpc(CREATE_RECORD, {
      token: tokens.access_token,
      method: 'POST',
      retry: false,
      tweaks: { htm: 'GET' },
      body: { repo: w.accounts.plc.did, collection: 'app.bsky.feed.post', record: { text: 'x' } },
    })
    expectXrpcOAuthError(res, 'invalid_dpop_proof', 'DPoP "htm" mismatch')
  })

  it('the same nonce again with a fresh jti → 200 (nonces are not single-use)', async () => {
    const { client, tokens } = await loggedIn()
    expectXrpcOk(await once(client, tokens.access_token))
    expectXrpcOk(await once(client, tokens.access_token))
  })

  it('the same proof twice → second 401 "DPoP proof replayed"', async () => {
    const { client, tokens } = await loggedIn()
    const dpop = await client.proof('GET', client.pdsUrl(GET_SESSION), client.pdsNonce, { accessToken: tokens.access_token })
    expectXrpcOk(await once(client, tokens.access_token, { dpop }))
    expectXrpcOAuthError(await once(client, tokens.access_token, { dpop }), 'invalid_dpop_proof', 'DPoP proof replayed')
  })

  it('proof without nonce → 401 use_dpop_nonce, challenge WITH description, XRPC body, DPoP-Nonce', async () => {
    const w = await world()
    const client = await TestClient.create(w)
    const { tokens } = await client.login()
    const res = await once(client, tokens.access_token, { tweaks: { nonce: null } })
    expectXrpcOAuthError(res, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof')
    expect(header(res, 'www-authenticate')).toContain(
      'error_description="Authorization server requires nonce in DPoP proof"',
    )
  })

  it('unknown nonce → 401 use_dpop_nonce, challenge without description (it contains a quote)', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { tweaks: { nonce: 'bogus' } })
    expectXrpcOAuthError(res, 'use_dpop_nonce', 'DPoP "nonce" mismatch')
    expect(header(res, 'www-authenticate')).not.toContain('error_description')
  })

  it('self-hosted topology: the nonce from /oauth/* works at /xrpc/* (one nonce manager, §8)', async () => {
    const w = await world({ topology: 'self-hosted' })
    const client = await TestClient.create(w)
    const { tokens } = await client.login()
    const res = await once(client, tokens.access_token, { tweaks: { nonce: client.asNonce! } })
    expectXrpcOk(res)
    expect(header(res, 'dpop-nonce')).toBe(client.asNonce)
  })

  it('entryway topology: the AS nonce is refused at the PDS (one manager per origin)', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { tweaks: { nonce: client.asNonce! } })
    expectXrpcOAuthError(res, 'use_dpop_nonce', 'DPoP "nonce" mismatch')
  })

  it('proof without ath → 401 `DPoP "ath" mismatch`', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { tweaks: { accessToken: undefined } })
    expectXrpcOAuthError(res, 'invalid_dpop_proof', 'DPoP "ath" mismatch')
  })

  it('wrong ath → 401 `DPoP "ath" mismatch`', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { tweaks: { ath: 'LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE' } })
    expectXrpcOAuthError(res, 'invalid_dpop_proof', 'DPoP "ath" mismatch')
  })

  it('htu of another method → 401 `DPoP "htu" mismatch`; htu with a query → 200 (lenient)', async () => {
    const { client, tokens } = await loggedIn()
    const other = await once(client, tokens.access_token, {
      tweaks: { htu: client.pdsUrl('/xrpc/com.atproto.server.describeServer') },
    })
    expectXrpcOAuthError(other, 'invalid_dpop_proof', 'DPoP "htu" mismatch')
    const query = await once(client, tokens.access_token, { tweaks: { htu: `${client.pdsUrl(GET_SESSION)}?foo=bar` } })
    expectXrpcOk(query)
  })

  it('Bearer scheme with the DPoP-bound token → 400 InvalidToken "Malformed token", no DPoP-Nonce', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: `Bearer ${tokens.access_token}`, dpop: null })
    expectXrpcPlainError(res, 400, 'InvalidToken', 'Malformed token', 'private')
  })

  it('Bearer scheme plus a DPoP proof → the same 400, still no DPoP-Nonce', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: `Bearer ${tokens.access_token}` })
    expectXrpcPlainError(res, 400, 'InvalidToken', 'Malformed token', 'private')
  })

  it('DPoP scheme without a DPoP header → 401 "DPoP proof required" (description in the challenge)', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { dpop: null })
    expectXrpcOAuthError(res, 'invalid_dpop_proof', 'DPoP proof required')
  })

  it('proof signed by another key → 401 invalid_token "Invalid DPoP key binding"', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { tweaks: { key: await newDpopKey() } })
    expectXrpcOAuthError(res, 'invalid_token', 'Invalid DPoP key binding')
  })

  it('garbage token `not.a.jwt` with a valid proof → 401 invalid_token "Malformed token"', async () => {
    const { client } = await loggedIn()
    const res = await once(client, 'not.a.jwt')
    expectXrpcOAuthError(res, 'invalid_token', 'Malformed token')
  })

  it('`DPoP abc` without a proof → "Malformed token" (the token format is checked before the proof)', async () => {
    const { client } = await loggedIn()
    const res = await once(client, 'abc', { dpop: null })
    expectXrpcOAuthError(res, 'invalid_token', 'Malformed token')
  })

  it('a token signed with another secret → 401 invalid_token "Malformed token"', async () => {
    const { client, tokens } = await loggedIn()
    const [h, p] = tokens.access_token.split('.')
    const forged = `${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}`
    expectXrpcOAuthError(await once(client, forged), 'invalid_token', 'Malformed token')
  })

  it('no Authorization header → 401 AuthMissing, no challenge, no DPoP-Nonce, Cache-Control private', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: null, dpop: null })
    expectXrpcPlainError(res, 401, 'AuthMissing', 'Authentication Required', 'private')
  })

  it('lower-case `dpop` and upper-case `DPOP` schemes → 200', async () => {
    const { client, tokens } = await loggedIn()
    expectXrpcOk(await once(client, tokens.access_token, { authorization: `dpop ${tokens.access_token}` }))
    expectXrpcOk(await once(client, tokens.access_token, { authorization: `DPOP ${tokens.access_token}` }))
  })

  it('double space after the scheme → 400 "Malformed authorization header", no nonce, no Cache-Control', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: `DPoP  ${tokens.access_token}` })
    expectXrpcPlainError(res, 400, 'InvalidToken', 'Malformed authorization header', undefined)
  })

  it('Basic scheme → 400 InvalidToken "Unexpected authorization type", answered private', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: 'Basic YWxpY2U6cGFzcw==', dpop: null })
    expect({ status: res.status, body: res.json }).toEqual({
      status: 400,
      body: { error: 'InvalidToken', message: 'Unexpected authorization type' },
    })
    expect(header(res, 'cache-control')).toBe('private')
    expect(header(res, 'dpop-nonce')).toBeUndefined()
    expect(header(res, 'www-authenticate')).toBeUndefined()
  })

  it('unknown scheme → 400 InvalidToken "Unsupported authorization type: Token", before any caching header (source §11.6)', async () => {
    const { client, tokens } = await loggedIn()
    const res = await once(client, tokens.access_token, { authorization: `Token ${tokens.access_token}`, dpop: null })
    expect({ status: res.status, body: res.json }).toEqual({
      status: 400,
      body: { error: 'InvalidToken', message: 'Unsupported authorization type: Token' },
    })
    expect(header(res, 'cache-control')).toBeUndefined()
    expect(header(res, 'dpop-nonce')).toBeUndefined()
  })

  it('expired token (World clock +3601 s) → 401 invalid_token "Token expired"', async () => {
    const { w, client, tokens } = await loggedIn()
    w.clock.advance(3601_000)
    // The nonce rotated with the clock: the good-path retry picks up the new one, then the token is judged.
    const res = await client.xrpc(GET_SESSION, { token: tokens.access_token })
    expectXrpcOAuthError(res, 'invalid_token', 'Token expired')
  })

  it('token whose aud is not this PDS → 401 invalid_token "Invalid audience"', async () => {
    const { w, client, tokens } = await loggedIn()
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString('utf8'))
    const other = w.as.deps.tokens.sign({ ...claims, aud: 'did:web:elsewhere.test' })
    expectXrpcOAuthError(await once(client, other), 'invalid_token', 'Invalid audience')
  })

  it('describeRepo (public): 200 without DPoP-Nonce or Cache-Control, even with DPoP auth', async () => {
    const { w, client, tokens } = await loggedIn()
    const path = `/xrpc/com.atproto.repo.describeRepo?repo=${encodeURIComponent(w.accounts.plc.did)}`
    const res = await client.xrpc(path, { token: tokens.access_token, retry: false })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ handle: 'alice.test', did: w.accounts.plc.did })
    expect(header(res, 'dpop-nonce')).toBeUndefined()
    expect(header(res, 'cache-control')).toBeUndefined()
    const anonymous = await send(`${w.urls.pds}${path}`)
    expect(anonymous.status).toBe(200)
  })

  it('describeRepo of an unknown repo → 400 InvalidRequest', async () => {
    const { w } = await loggedIn()
    const res = await send(`${w.urls.pds}/xrpc/com.atproto.repo.describeRepo?repo=did%3Aplc%3Anobody`)
    expect({ status: res.status, error: res.json?.error }).toEqual({ status: 400, error: 'InvalidRequest' })
  })

  it('unknown XRPC method → 400 "No service configured for …" (the catch-all proxy, no app view)', async () => {
    const { w } = await loggedIn()
    const res = await send(`${w.urls.pds}/xrpc/com.example.nothing`)
    expect({ status: res.status, body: res.json }).toEqual({
      status: 400,
      body: { error: 'InvalidRequest', message: 'No service configured for com.example.nothing' },
    })
  })

  it('a method the reference serves but the mock does not → 501 MethodNotImplemented', async () => {
    const { w } = await loggedIn()
    const res = await send(`${w.urls.pds}/xrpc/com.atproto.server.createSession`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect({ status: res.status, body: res.json }).toEqual({
      status: 501,
      body: { error: 'MethodNotImplemented', message: 'Method Not Implemented' },
    })
  })

  it('wrong HTTP method → 400 "Incorrect HTTP method", before authentication', async () => {
    const { w } = await loggedIn()
    const get = await send(`${w.urls.pds}/xrpc/com.atproto.repo.createRecord`)
    expect({ status: get.status, body: get.json }).toEqual({ status: 400, body: { error: 'InvalidRequest', message: 'Incorrect HTTP method (GET) expected POST' } })
    const post = await send(`${w.urls.pds}${GET_SESSION}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(post.json).toEqual({ error: 'InvalidRequest', message: 'Incorrect HTTP method (POST) expected GET' })
    const put = await send(`${w.urls.pds}${GET_SESSION}`, { method: 'PUT' })
    expect(put.json).toEqual({ error: 'InvalidRequest', message: 'XRPC requests only supports GET and POST' })
  })

  it('CORS preflight → 204 with methods, echoed headers, Vary and Max-Age (rs-options-preflight)', async () => {
    const { w } = await loggedIn()
    const res = await send(`${w.urls.pds}${GET_SESSION}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:8080',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,dpop',
      },
    })
    expect(res.status).toBe(204)
    expect(header(res, 'access-control-allow-origin')).toBe('*')
    expect(header(res, 'access-control-allow-methods')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE')
    expect(header(res, 'access-control-allow-headers')).toBe('authorization,dpop')
    expect(headerLines(res, 'vary')).toEqual(['Access-Control-Request-Headers'])
    expect(header(res, 'access-control-max-age')).toBe('86400')
    expect(res.text).toBe('')
  })
})
