import { describe, expect, it } from 'vitest'
import { header, headerLines, send } from '../helpers/http.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512']

/** reference-wire.md §1, with the issuer and the protected resource of this World. */
function referenceAsMetadata(issuer: string, pds: string): Record<string, unknown> {
  return {
    issuer,
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    scopes_supported: ['atproto', 'transition:email', 'transition:generic', 'transition:chat.bsky'],
    subject_types_supported: ['public'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    ui_locales_supported: ['en-US'],
    display_values_supported: ['page', 'popup', 'touch'],
    request_object_signing_alg_values_supported: [...ALGS, 'none'],
    authorization_response_iss_parameter_supported: true,
    request_object_encryption_alg_values_supported: [],
    request_object_encryption_enc_values_supported: [],
    jwks_uri: `${issuer}/oauth/jwks`,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ALGS,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
    require_pushed_authorization_requests: true,
    dpop_signing_alg_values_supported: ALGS,
    protected_resources: [pds],
    client_id_metadata_document_supported: true,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
  }
}

/** §1: the four Access-Control headers and `Cache-Control: max-age=300` of the AS documents. */
function expectAsDocumentHeaders(res: Awaited<ReturnType<typeof send>>): void {
  expect(header(res, 'access-control-max-age')).toBe('86400')
  expect(header(res, 'access-control-allow-origin')).toBe('*')
  expect(header(res, 'access-control-allow-methods')).toBe('*')
  expect(header(res, 'access-control-allow-headers')).toBe('Content-Type,DPoP')
  expect(header(res, 'cache-control')).toBe('max-age=300')
  expect(header(res, 'content-type')).toBe('application/json')
}

describe('AS metadata and JWKS (reference-wire.md §1)', () => {
  it('GET /.well-known/oauth-authorization-server: the reference document, key order included', async () => {
    const w = await world()
    const res = await send(`${w.urls.issuer}/.well-known/oauth-authorization-server`)
    expect(res.status).toBe(200)
    expectAsDocumentHeaders(res)
    expect(res.text).toBe(JSON.stringify(referenceAsMetadata(w.urls.issuer, w.urls.pds)))
    expect(res.json).not.toHaveProperty('introspection_endpoint')
  })

  it('strict profile lists only ES256 for DPoP', async () => {
    const w = await world({ profile: 'strict' })
    const res = await send(`${w.urls.issuer}/.well-known/oauth-authorization-server`)
    expect(res.status).toBe(200)
    expect(res.json.dpop_signing_alg_values_supported).toEqual(['ES256'])
  })

  it('GET /oauth/jwks: empty key set with the metadata headers', async () => {
    const w = await world()
    const res = await send(`${w.urls.issuer}/oauth/jwks`)
    expect(res.status).toBe(200)
    expectAsDocumentHeaders(res)
    expect(res.json).toEqual({ keys: [] })
  })

  it('OPTIONS /oauth/par preflight: 200, the four Access-Control headers, empty body (§2)', async () => {
    const w = await world()
    const res = await send(`${w.urls.issuer}/oauth/par`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,dpop',
      },
    })
    expect(res.status).toBe(200)
    expect(header(res, 'access-control-max-age')).toBe('86400')
    expect(header(res, 'access-control-allow-origin')).toBe('*')
    expect(header(res, 'access-control-allow-methods')).toBe('*')
    expect(header(res, 'access-control-allow-headers')).toBe('Content-Type,DPoP')
    expect(res.text).toBe('')
  })

  it('GET /oauth/par: 405, empty body, no CORS headers (§2)', async () => {
    const w = await world()
    const res = await send(`${w.urls.issuer}/oauth/par`)
    expect(res.status).toBe(405)
    expect(res.text).toBe('')
    expect(header(res, 'access-control-allow-origin')).toBeUndefined()
  })
})

describe('protected-resource metadata of the PDS (reference-wire.md §1)', () => {
  it('GET /.well-known/oauth-protected-resource: body and the Express-route header style', async () => {
    const w = await world()
    const res = await send(`${w.urls.pds}/.well-known/oauth-protected-resource`)
    expect(res.status).toBe(200)
    expect(res.text).toBe(
      JSON.stringify({
        resource: w.urls.pds,
        authorization_servers: [w.urls.issuer],
        scopes_supported: [],
        bearer_methods_supported: ['header'],
        resource_documentation: 'https://atproto.com',
      }),
    )
    expect(res.json.resource.endsWith('/')).toBe(false)
    expect(header(res, 'access-control-allow-origin')).toBe('*')
    // sic: singular "Method", as the reference PDS sends it (§1, §10.12).
    expect(headerLines(res, 'access-control-allow-method')).toEqual(['*'])
    expect(header(res, 'access-control-allow-methods')).toBeUndefined()
    expect(header(res, 'access-control-allow-headers')).toBe('*')
    expect(header(res, 'content-type')).toBe('application/json; charset=utf-8')
    expect(header(res, 'cache-control')).toBeUndefined()
  })

  it('OPTIONS on it: the Express default, 200 text/html "GET,HEAD" with Allow (§1)', async () => {
    const w = await world()
    const res = await send(`${w.urls.pds}/.well-known/oauth-protected-resource`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'GET' },
    })
    expect(res.status).toBe(200)
    expect(header(res, 'allow')).toBe('GET,HEAD')
    expect(res.text).toBe('GET,HEAD')
    expect(header(res, 'content-type')).toBe('text/html; charset=utf-8')
  })

  it('self-hosted topology: the PDS names itself as the authorization server', async () => {
    const w = await world({ topology: 'self-hosted' })
    expect(w.urls.issuer).toBe(w.urls.pds)
    const res = await send(`${w.urls.pds}/.well-known/oauth-protected-resource`)
    expect(res.status).toBe(200)
    expect(res.json.authorization_servers).toEqual([w.urls.pds])
  })
})

describe('identity: handle resolution, PLC directory, did:web', () => {
  const resolve = (origin: string, query: string) => send(`${origin}/xrpc/com.atproto.identity.resolveHandle${query}`)

  it('resolveHandle: known handle → 200 {did}', async () => {
    const w = await world()
    const res = await resolve(w.urls.identity, '?handle=alice.test')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ did: w.accounts.plc.did })
    expect(header(res, 'access-control-allow-origin')).toBe('*')
    const upper = await resolve(w.urls.identity, '?handle=Alice.Test')
    expect(upper.json).toEqual({ did: w.accounts.plc.did })
  })

  it('resolveHandle: unknown handle → 400 InvalidRequest "Unable to resolve handle"', async () => {
    const w = await world()
    const res = await resolve(w.urls.identity, '?handle=nobody.test')
    expect({ status: res.status, body: res.json }).toEqual({
      status: 400,
      body: { error: 'InvalidRequest', message: 'Unable to resolve handle' },
    })
  })

  it('resolveHandle: missing param → 400 InvalidRequest (XRPC params error)', async () => {
    const w = await world()
    for (const query of ['', '?handle=']) {
      const res = await resolve(w.urls.identity, query)
      expect({ status: res.status, body: res.json }).toEqual({
        status: 400,
        body: { error: 'InvalidRequest', message: 'Error: Params must have the property "handle"' },
      })
    }
  })

  it('resolveHandle on the PDS: known → 200, unknown → 400', async () => {
    const w = await world()
    const ok = await resolve(w.urls.pds, '?handle=alice.test')
    expect({ status: ok.status, body: ok.json }).toEqual({ status: 200, body: { did: w.accounts.plc.did } })
    const bad = await resolve(w.urls.pds, '?handle=nobody.test')
    expect({ status: bad.status, body: bad.json }).toEqual({
      status: 400,
      body: { error: 'InvalidRequest', message: 'Unable to resolve handle' },
    })
  })

  it('PLC directory: the DID percent-encoded in the path (as the official client asks, §9) and plain', async () => {
    const w = await world()
    const { did, handle } = w.accounts.plc
    for (const path of [`/${encodeURIComponent(did)}`, `/${did}`]) {
      const res = await send(`${w.urls.plcDirectory}${path}`)
      expect(res.status, path).toBe(200)
      expect(header(res, 'content-type')).toBe('application/did+ld+json; charset=utf-8')
      expect(res.json.id).toBe(did)
      expect(res.json.alsoKnownAs).toEqual([`at://${handle}`])
      expect(res.json.service).toEqual([
        { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: w.urls.pds },
      ])
    }
  })

  it('PLC directory: unknown DID → 404 "DID not registered"', async () => {
    const w = await world()
    const unknown = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    const res = await send(`${w.urls.plcDirectory}/${encodeURIComponent(unknown)}`)
    expect({ status: res.status, body: res.json }).toEqual({
      status: 404,
      body: { message: `DID not registered: ${unknown}` },
    })
  })

  it('did:web document of the did:web account', async () => {
    const w = await world()
    const { did, handle } = w.accounts.web
    expect(did).toBe(`did:web:localhost%3A${new URL(w.urls.identity).port}`)
    const res = await send(`${w.urls.identity}/.well-known/did.json`, {
      headers: { host: `localhost:${new URL(w.urls.identity).port}` },
    })
    expect(res.status).toBe(200)
    expect(res.json.id).toBe(did)
    expect(res.json.alsoKnownAs).toEqual([`at://${handle}`])
    expect(res.json.service[0]).toEqual({
      id: '#atproto_pds',
      type: 'AtprotoPersonalDataServer',
      serviceEndpoint: w.urls.pds,
    })
  })
})
