import { describe, expect, it } from 'vitest'
import { newDpopKey, newPkce } from '../helpers/dpop.ts'
import { expectAsError, expectAsHeaderSet, expectParCreated } from '../helpers/expect-wire.ts'
import { form, header, send } from '../helpers/http.ts'
import { CLIENT_ID, TestClient, type ProofTweaks } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

// The reference's zod text for a request without client credentials (reference-wire.md §3 `par-no-client-id`).
const CREDENTIALS_MISSING =
  'Client credentials missing: Required at body.client_id; Invalid literal value, expected ' +
  '"urn:ietf:params:oauth:client-assertion-type:jwt-bearer" at body.client_assertion_type; Required at ' +
  'body.client_assertion, or Required at body.client_id; Required at body.client_secret, or Required at body.client_id'

async function setup(profile: 'reference' | 'strict' = 'reference') {
  const w = await world({ profile })
  const client = await TestClient.create(w)
  return { w, client }
}

/** One PAR with the standard parameters and a proof differing as `tweaks` says (nonce learnt first). */
async function parWithProof(client: TestClient, tweaks: ProofTweaks, overrides = {}) {
  await client.warmAs()
  const params = client.parParams(newPkce(), overrides)
  return client.post('/oauth/par', params, { dpop: await client.asProof('/oauth/par', tweaks) })
}

describe('PAR: DPoP presence and nonce (reference-wire.md §3, §10.1)', () => {
  it('no DPoP header (reference profile) → 201 {request_uri, expires_in} + DPoP-Nonce', async () => {
    const { client } = await setup()
    const { res } = await client.par({}, { key: null })
    expectParCreated(res)
  })

  it('no DPoP header (strict profile) → 401 invalid_dpop_proof "DPoP proof required"', async () => {
    const { client } = await setup('strict')
    const { res } = await client.par({}, { key: null })
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP proof required')
  })

  it('proof without nonce → 400 use_dpop_nonce, no WWW-Authenticate, a nonce to retry with', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', client.parParams(newPkce()), {
      dpop: await client.asProof('/oauth/par', { nonce: null }),
    })
    expectAsError(res, 400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof')
  })

  it('proof with a nonce the server never issued → 400 use_dpop_nonce `DPoP "nonce" mismatch`', async () => {
    const { client } = await setup()
    const res = await parWithProof(client, { nonce: 'not-a-real-nonce' })
    expectAsError(res, 400, 'use_dpop_nonce', 'DPoP "nonce" mismatch')
  })

  it('proof with the issued nonce → 201; the nonce is not single-use (§8)', async () => {
    const { client } = await setup()
    const first = await parWithProof(client, {})
    expectParCreated(first)
    const again = await parWithProof(client, {})
    expectParCreated(again)
  })

  it('a nonce stays valid across one rotation and is refused after three (§8, World clock)', async () => {
    const { w, client } = await setup()
    const nonce = await client.warmAs()
    w.clock.advance(60_000)
    expectParCreated(await parWithProof(client, { nonce }))
    w.clock.advance(120_000)
    expectAsError(await parWithProof(client, { nonce }), 400, 'use_dpop_nonce', 'DPoP "nonce" mismatch')
  })

  it('strict profile: proof with nonce → 201', async () => {
    const { client } = await setup('strict')
    const { res } = await client.par()
    expectParCreated(res)
  })
})

describe('PAR: DPoP proof defects (reference-wire.md §3, §11.1)', () => {
  const htuMismatch = ['invalid_dpop_proof', 'DPoP "htu" mismatch'] as const

  it('htu = token endpoint → 401 `DPoP "htu" mismatch`, challenge without description', async () => {
    const { client } = await setup()
    const res = await parWithProof(client, { htu: client.asUrl('/oauth/token') })
    expectAsError(res, 401, ...htuMismatch)
    expect(header(res, 'www-authenticate')).not.toContain('error_description')
  })

  it('wrong htu AND no nonce → the htu error wins over use_dpop_nonce', async () => {
    const { client } = await setup()
    const res = await parWithProof(client, { htu: client.asUrl('/oauth/token'), nonce: null })
    expectAsError(res, 401, ...htuMismatch)
  })

  it('htu with a trailing slash → mismatch; another host name for the issuer → mismatch', async () => {
    const { client } = await setup()
    expectAsError(await parWithProof(client, { htu: client.asUrl('/oauth/par/') }), 401, ...htuMismatch)
    const port = new URL(client.world.urls.issuer).port
    // htu is compared with the issuer origin (127.0.0.1 here), not whatever names the same socket (§10.15).
    expectAsError(await parWithProof(client, { htu: `http://localhost:${port}/oauth/par` }), 401, ...htuMismatch)
  })

  it('htu normalisation: upper-case scheme, dot segment, fragment, query → accepted (reference)', async () => {
    const { client } = await setup()
    const issuer = client.world.urls.issuer
    for (const htu of [
      issuer.replace('http://', 'HTTP://') + '/oauth/par',
      `${issuer}/oauth/x/../par`,
      `${issuer}/oauth/par#frag`,
      `${issuer}/oauth/par?foo=bar`,
    ]) {
      const res = await parWithProof(client, { htu })
      expect(res.status, htu).toBe(201)
    }
  })

  it('strict profile: htu with a query → 401 invalid_dpop_proof', async () => {
    const { client } = await setup('strict')
    const res = await parWithProof(client, { htu: `${client.asUrl('/oauth/par')}?foo=bar` })
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP "htu" must not contain a query or fragment')
  })

  it('htm GET → 401 `DPoP "htm" mismatch`', async () => {
    const { client } = await setup()
    expectAsError(await parWithProof(client, { htm: 'GET' }), 401, 'invalid_dpop_proof', 'DPoP "htm" mismatch')
  })

  it('htm lower-case "post" → 401 `DPoP "htm" mismatch` (case-sensitive)', async () => {
    const { client } = await setup()
    expectAsError(await parWithProof(client, { htm: 'post' }), 401, 'invalid_dpop_proof', 'DPoP "htm" mismatch')
  })

  it('typ "JWT" → 401 unexpected "typ"', async () => {
    const { client } = await setup()
    expectAsError(
      await parWithProof(client, { typ: 'JWT' }),
      401,
      'invalid_dpop_proof',
      'Failed to verify DPoP proof: unexpected "typ" JWT header value',
    )
  })

  it('iat window: −300 s and −200 s refused, −185 s and −100 s accepted (§3 notes)', async () => {
    const { client } = await setup()
    const past = 'Failed to verify DPoP proof: "iat" claim timestamp check failed (too far in the past)'
    expectAsError(await parWithProof(client, { iatOffset: -300 }), 401, 'invalid_dpop_proof', past)
    expectAsError(await parWithProof(client, { iatOffset: -200 }), 401, 'invalid_dpop_proof', past)
    expectParCreated(await parWithProof(client, { iatOffset: -185 }))
    expectParCreated(await parWithProof(client, { iatOffset: -100 }))
  })

  it('iat window: +200 s refused, +60 s accepted', async () => {
    const { client } = await setup()
    expectAsError(
      await parWithProof(client, { iatOffset: 200 }),
      401,
      'invalid_dpop_proof',
      'Failed to verify DPoP proof: "iat" claim timestamp check failed (it should be in the past)',
    )
    expectParCreated(await parWithProof(client, { iatOffset: 60 }))
  })

  it('the same proof twice → 201, then 401 "DPoP proof replayed" with the description in the challenge', async () => {
    const { client } = await setup()
    await client.warmAs()
    const dpop = await client.asProof('/oauth/par')
    const first = await client.post('/oauth/par', client.parParams(newPkce()), { dpop })
    expectParCreated(first)
    const replay = await client.post('/oauth/par', client.parParams(newPkce()), { dpop })
    expectAsError(replay, 401, 'invalid_dpop_proof', 'DPoP proof replayed')
    expect(header(replay, 'www-authenticate')).toContain('error_description="DPoP proof replayed"')
  })

  it('a proof refused for its nonce does not use up its jti (§11.1)', async () => {
    const { client } = await setup()
    const jti = 'jti-kept-after-nonce-failure'
    expectAsError(await parWithProof(client, { jti, nonce: 'stale' }), 400, 'use_dpop_nonce', 'DPoP "nonce" mismatch')
    expectParCreated(await parWithProof(client, { jti }))
  })

  it('empty DPoP header → 401 "DPoP header cannot be empty" (description kept in the challenge)', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', client.parParams(newPkce()), { dpop: '' })
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP header cannot be empty')
  })

  // Node joins the two lines with ", ", so the reference reads one malformed JWS (differential dpop/header-repeated).
  it('two DPoP header lines → 401 "Failed to verify DPoP proof: Invalid Compact JWS"', async () => {
    const { client } = await setup()
    await client.warmAs()
    const a = await client.asProof('/oauth/par')
    const b = await client.asProof('/oauth/par')
    const res = await client.post('/oauth/par', client.parParams(newPkce()), { headers: { dpop: [a, b] } })
    expectAsError(res, 401, 'invalid_dpop_proof', 'Failed to verify DPoP proof: Invalid Compact JWS')
  })

  it('garbage in the DPoP header → 401 invalid_dpop_proof, no 500', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', client.parParams(newPkce()), { dpop: 'not-a-jwt' })
    expectAsError(res, 401, 'invalid_dpop_proof', 'Failed to verify DPoP proof: Invalid Compact JWS')
  })

  it('proof carrying ath (no access token involved) → 401 `DPoP "ath" claim not allowed`', async () => {
    const { client } = await setup()
    const res = await parWithProof(client, { ath: 'X0RZKeoa0keAcnOZM8kiTzWpUfCQ3BTRRMB_3iIOdWM' })
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP "ath" claim not allowed')
  })

  it('dpop_jkt naming another key than the proof → 401 invalid_token "Invalid DPoP key binding"', async () => {
    const { client } = await setup()
    const other = await newDpopKey()
    const res = await parWithProof(client, {}, { dpop_jkt: other.jkt })
    expectAsError(res, 401, 'invalid_token', 'Invalid DPoP key binding')
    expect(header(res, 'www-authenticate')).toContain('error_description="Invalid DPoP key binding"')
  })

  it('dpop_jkt without any proof → 201; dpop_jkt equal to the proof key → 201', async () => {
    const { client } = await setup()
    const other = await newDpopKey()
    expectParCreated((await client.par({ dpop_jkt: other.jkt }, { key: null })).res)
    expectParCreated(await parWithProof(client, {}, { dpop_jkt: client.key.jkt }))
  })
})

describe('PAR: client_id (reference-wire.md §3, §11.7)', () => {
  const invalidClientId = (id: string) => ['invalid_client_metadata', `Invalid client ID ${JSON.stringify(id)}`] as const

  it('missing client_id → 400 invalid_client "Client credentials missing: …"', async () => {
    const { client } = await setup()
    const { res } = await client.par({ client_id: undefined })
    expectAsError(res, 400, 'invalid_client', CREDENTIALS_MISSING)
  })

  it.each([
    'https://localhost/x.json',
    'https://localhost/client-metadata.json',
    'https://127.0.0.1:1/client-metadata.json',
    'https://vm/client-metadata.json',
    'https://localhost',
  ])('https client id %s → 400 invalid_client_metadata, before any fetch', async (id) => {
    const { w, client } = await setup()
    const { res } = await client.par({ client_id: id })
    expectAsError(res, 400, ...invalidClientId(id))
    expect(w.transcript.exchanges({ server: 'client-host' })).toEqual([])
  })

  it('well-formed https client id on a host nobody serves → 400 invalid_client_metadata, no network', async () => {
    const { client } = await setup()
    const id = 'https://unknown.example.com/client-metadata.json'
    const { res } = await client.par({ client_id: id })
    expectAsError(
      res,
      400,
      'invalid_client_metadata',
      `Unable to obtain client metadata for "${id}": host "unknown.example.com" is not served by this harness (only loopback mocks are reachable)`,
    )
  })

  it('https client whose metadata document the World hosts → 201; a 404 document → invalid_client_metadata', async () => {
    const { w, client } = await setup()
    const id = w.host('/client-metadata.json', {
      body: {
        client_id: 'https://client.world.internal/client-metadata.json',
        client_name: 'test client',
        redirect_uris: ['https://client.world.internal/callback'],
        scope: 'atproto transition:generic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        dpop_bound_access_tokens: true,
      },
    })
    const https = await TestClient.create(w, id)
    expectParCreated((await https.par({ redirect_uri: 'https://client.world.internal/callback' })).res)
    const missing = 'https://client.world.internal/missing.json'
    const { res } = await client.par({ client_id: missing })
    expectAsError(res, 400, 'invalid_client_metadata', `Unable to obtain client metadata for "${missing}": HTTP 404`)
  })

  it.each([
    'http://127.0.0.1',
    'http://localhost:8080',
    'http://localhost?redirect_uri=https%3A%2F%2Fexample.com%2Fcb&scope=atproto',
    'http://localhost#frag',
    'http://localhost/path',
  ])('loopback-looking client id %s → 400 invalid_client_metadata', async (id) => {
    const { client } = await setup()
    const { res } = await client.par({ client_id: id, redirect_uri: 'http://127.0.0.1/', scope: 'atproto' })
    expectAsError(res, 400, ...invalidClientId(id))
  })

  it('bare http://localhost: default redirect URIs; any port, same path (RFC 8252)', async () => {
    const { client } = await setup()
    const bare = { client_id: 'http://localhost', scope: 'atproto' }
    expectParCreated((await client.par({ ...bare, redirect_uri: 'http://127.0.0.1/' })).res)
    expectParCreated((await client.par({ ...bare, redirect_uri: 'http://127.0.0.1:8080/' })).res)
    expectParCreated((await client.par({ ...bare, redirect_uri: 'http://[::1]:9000/' })).res)
    const path = await client.par({ ...bare, redirect_uri: 'http://127.0.0.1:8080/cb' })
    expectAsError(path.res, 400, 'invalid_request', 'Invalid redirect_uri http://127.0.0.1:8080/cb')
  })

  it('http://localhost/ (trailing slash) is a loopback client id; without redirect_uri → "redirect_uri is required"', async () => {
    const { client } = await setup()
    const { res } = await client.par({ client_id: 'http://localhost/', redirect_uri: undefined, scope: 'atproto' })
    expectAsError(res, 400, 'invalid_request', 'redirect_uri is required')
  })

  it('the official client spelling of the loopback id (scope first, "+" for spaces) → 201', async () => {
    const { client } = await setup()
    const id = 'http://localhost?scope=atproto+transition%3Ageneric&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback'
    expectParCreated((await client.par({ client_id: id })).res)
  })
})

describe('PAR: authorization request parameters (reference-wire.md §3)', () => {
  it('redirect_uri not registered → 400 "Invalid redirect_uri …"', async () => {
    const { client } = await setup()
    const { res } = await client.par({ redirect_uri: 'http://127.0.0.1:9999/evil' })
    expectAsError(res, 400, 'invalid_request', 'Invalid redirect_uri http://127.0.0.1:9999/evil')
  })

  it('localhost redirect_uri → 400 RFC 8252 message', async () => {
    const { client } = await setup()
    const { res } = await client.par({ client_id: 'http://localhost', redirect_uri: 'http://localhost/', scope: 'atproto' })
    expectAsError(
      res,
      400,
      'invalid_request',
      'Invalid authorization request: Use of "localhost" hostname is not allowed (RFC 8252), use a loopback IP such as "127.0.0.1" instead at body.redirect_uri',
    )
  })

  it('redirect_uri omitted (one registered) → 201; state omitted → 201', async () => {
    const { client } = await setup()
    expectParCreated((await client.par({ redirect_uri: undefined })).res)
    expectParCreated((await client.par({ state: undefined })).res)
  })

  it('no code_challenge → 400 "Use of PKCE is required"', async () => {
    const { client } = await setup()
    const { res } = await client.par({ code_challenge: undefined, code_challenge_method: undefined })
    expectAsError(res, 400, 'invalid_request', 'Use of PKCE is required')
  })

  it('code_challenge_method plain → 400 S256 required', async () => {
    const { client } = await setup()
    const { res } = await client.par({ code_challenge_method: 'plain' })
    expectAsError(res, 400, 'invalid_request', 'atproto requires use of "S256" code_challenge_method')
  })

  it('scope without atproto, or no scope → 400 invalid_scope', async () => {
    const { client } = await setup()
    for (const scope of ['transition:generic', undefined]) {
      const { res } = await client.par({ scope })
      expectAsError(res, 400, 'invalid_scope', 'The "atproto" scope is required')
    }
  })

  it('scope not declared by the client → 400 invalid_scope naming it', async () => {
    const { client } = await setup()
    const { res } = await client.par({ scope: 'atproto transition:email' })
    expectAsError(res, 400, 'invalid_scope', 'Scope "transition:email" is not declared in the client metadata')
  })

  it('response_type token → 400 unsupported_response_type', async () => {
    const { client } = await setup()
    const { res } = await client.par({ response_type: 'token' })
    expectAsError(res, 400, 'unsupported_response_type', 'Unsupported response_type "token"')
  })

  it('prompt=none for a public (loopback) client → 400 silent sign-on refused', async () => {
    const { client } = await setup()
    const { res } = await client.par({ prompt: 'none' })
    expectAsError(res, 400, 'invalid_request', 'Public clients are not allowed to use silent-sign-on')
  })
})

describe('PAR: request body (reference-wire.md §2, §10.18)', () => {
  it('JSON body (reference profile) → 201', async () => {
    const { client } = await setup()
    const res = await client.postWithDpop('/oauth/par', client.parParams(newPkce()), {}, { json: true })
    expectParCreated(res)
  })

  it('JSON body (strict profile) → 415 refused', async () => {
    const { client } = await setup('strict')
    const res = await client.postWithDpop('/oauth/par', client.parParams(newPkce()), {}, { json: true })
    expectAsError(res, 415, 'invalid_request', 'Unsupported content-type: application/json')
  })

  it('a JSON body the strict profile refuses is recorded with its parameters (checks judge what was sent)', async () => {
    const { w, client } = await setup('strict')
    const sent = client.parParams(newPkce())
    await client.postWithDpop('/oauth/par', sent, {}, { json: true })
    const pars = w.transcript.exchanges({ server: 'as', path: '/oauth/par' })
    expect(pars.at(-1)?.response.status).toBe(415)
    expect(pars.at(-1)?.request.params).toEqual(sent)
    const text = await client.post('/oauth/par', 'code_challenge=x', { contentType: 'text/plain' })
    expect(text.status).toBe(415)
    expect(w.transcript.exchanges({ server: 'as', path: '/oauth/par' }).at(-1)?.request.params).toBeUndefined()
  })

  it('form body sent as text/plain → 415 with the full header set (DPoP-Nonce included)', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', form(client.parParams(newPkce())), { contentType: 'text/plain' })
    expectAsError(res, 415, 'invalid_request', 'Unsupported content-type: text/plain')
  })

  it('JSON that is not an object, or not JSON → 400, worded as the reference does', async () => {
    const { client } = await setup()
    const array = await client.post('/oauth/par', '[1,2]', { contentType: 'application/json' })
    expect(array.json.error).toBe('invalid_client')
    expect(array.json.error_description).toMatch(/^Client credentials missing: Expected object, received array at body, or /)
    const broken = await client.post('/oauth/par', '{"client_id":', { contentType: 'application/json' })
    expectAsError(broken, 400, 'invalid_request', 'Invalid JSON')
  })

  it('strict: JSON that is not an object, or not JSON → 400 invalid_request', async () => {
    const { w } = await setup('strict')
    const array = await send(`${w.urls.issuer}/oauth/par`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' })
    expect(array.status).toBe(415)
  })

  it('JSON with a non-string parameter → 400 invalid_request naming the path, as the reference schema words it', async () => {
    const { client } = await setup()
    const body = JSON.stringify({ ...client.parParams(newPkce()), scope: ['atproto'] })
    const res = await client.post('/oauth/par', body, { contentType: 'application/json' })
    expect(res.json.error).toBe('invalid_request')
    expect(res.json.error_description).toMatch(
      /^Invalid authorization request: Expected string, received array at body\.scope, or Required at body\.request/,
    )
  })

  it('malformed percent-encoding (%zz) is read literally → the client id is invalid, no 500', async () => {
    const { client } = await setup()
    const body = `${form(client.parParams(newPkce(), { client_id: undefined }))}&client_id=%zz`
    const res = await client.post('/oauth/par', body)
    expectAsError(res, 400, 'invalid_client_metadata', 'Invalid client ID "%zz"')
  })

  it('a parameter given twice → its last value counts (reference)', async () => {
    const { w, client } = await setup()
    const body = `${form(client.parParams(newPkce()))}&state=second`
    const res = await client.post('/oauth/par', body)
    expect(res.status).toBe(201)
    expect(w.as.store.requests.get(res.json.request_uri)?.state).toBe('second')
  })

  it('strict: a parameter given twice → 400 invalid_request (RFC 6749 §3.1)', async () => {
    const { client } = await setup('strict')
    await client.warmAs()
    const body = `${form(client.parParams(newPkce()))}&state=second`
    const res = await client.post('/oauth/par', body, { dpop: await client.asProof('/oauth/par') })
    expectAsError(res, 400, 'invalid_request', 'Duplicate parameter "state"')
  })

  it('a charset other than UTF-8 → 415 "Unsupported charset" (reference)', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', form(client.parParams(newPkce())), {
      contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1',
    })
    expectAsError(res, 415, 'invalid_request', 'Unsupported charset')
  })

  it('body over 1 MiB (Content-Length) → 413 JSON, no 500', async () => {
    const { client } = await setup()
    const body = `${form(client.parParams(newPkce()))}&pad=${'a'.repeat(1024 * 1024 + 10)}`
    const res = await client.post('/oauth/par', body)
    expect({ status: res.status, body: res.json }).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'Request entity too large' },
    })
    expect(header(res, 'content-type')).toBe('application/json')
  })

  it('body over 1 MiB (chunked, no Content-Length) → 413 JSON', async () => {
    const { w } = await setup()
    const res = await send(`${w.urls.issuer}/oauth/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${encodeURIComponent(CLIENT_ID)}&pad=${'b'.repeat(1024 * 1024 + 10)}`,
      chunked: true,
    })
    expect({ status: res.status, body: res.json }).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'Request entity too large' },
    })
  })

  it('empty body → 400 invalid_client (credentials missing), with the §2 headers', async () => {
    const { client } = await setup()
    const res = await client.post('/oauth/par', '')
    expectAsError(res, 400, 'invalid_client', CREDENTIALS_MISSING)
    expectAsHeaderSet(res, false)
  })
})
