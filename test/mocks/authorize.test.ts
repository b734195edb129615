import { describe, expect, it } from 'vitest'
import { completeAuthorization } from '../../harness/user-agent.ts'
import { htmlError } from '../helpers/expect-wire.ts'
import { form, header, headerLines, send, type HttpResult } from '../helpers/http.ts'
import { CLIENT_ID, NAVIGATION_HEADERS, REDIRECT_URI, TestClient } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

async function setup(profile: 'reference' | 'strict' = 'reference') {
  const w = await world({ profile })
  const client = await TestClient.create(w)
  return { w, client }
}

function openPage(url: string): Promise<HttpResult> {
  return send(url, { headers: NAVIGATION_HEADERS })
}

/** The access_denied redirect the reference's request-manager answers with (iss before state). */
function expectDenied(res: HttpResult, description: string): void {
  expect(res.status).toBe(303)
  const location = new URL(header(res, 'location') ?? '')
  expect([...location.searchParams.keys()]).toEqual(['iss', 'state', 'error', 'error_description'])
  expect(location.searchParams.get('error')).toBe('access_denied')
  expect(location.searchParams.get('error_description')).toBe(description)
}

function expectHtmlError(res: HttpResult, status: number, error: string, description: string): void {
  expect({ status: res.status, ...htmlError(res) }).toEqual({ status, error, error_description: description })
  expect(header(res, 'content-type')).toBe('text/html; charset=utf-8')
  expect(header(res, 'cache-control')).toBe('no-store')
}

/** Origin + path and the query parameter names in order: what the fidelity comparison looks at. */
function locationShape(location: string | undefined): { target: string; names: string[] } {
  const url = new URL(location ?? 'about:blank')
  return { target: url.origin + url.pathname, names: [...url.searchParams.keys()] }
}

describe('GET /oauth/authorize (reference-wire.md §4)', () => {
  it('a pushed request → 200 HTML consent page, no-store', async () => {
    const { client } = await setup()
    const { requestUri } = await client.par()
    const res = await openPage(client.authorizeUrl(requestUri))
    expect(res.status).toBe(200)
    expect(header(res, 'content-type')).toBe('text/html; charset=utf-8')
    expect(header(res, 'cache-control')).toBe('no-store')
    expect(res.text).toContain(`value="${requestUri}"`)
  })

  it('no Fetch-Metadata headers (curl) → 400 HTML "Missing sec-fetch-site header" (authorize-page-no-sec-fetch)', async () => {
    const { client } = await setup()
    const { requestUri } = await client.par()
    expectHtmlError(await send(client.authorizeUrl(requestUri)), 400, 'invalid_request', 'Missing sec-fetch-site header')
    const odd = await send(client.authorizeUrl(requestUri), { headers: { ...NAVIGATION_HEADERS, 'sec-fetch-site': 'nested' } })
    expectHtmlError(odd, 400, 'invalid_request', 'Forbidden sec-fetch-site header "nested" (expected same-origin,same-site,cross-site,none)')
    // The request is still usable from a real navigation.
    expect((await openPage(client.authorizeUrl(requestUri))).status).toBe(200)
  })

  it('unknown request_uri → 400 HTML "Unknown request_uri"', async () => {
    const { client } = await setup()
    const res = await openPage(client.authorizeUrl('urn:ietf:params:oauth:request_uri:req-00000000000000000000000000000000'))
    expectHtmlError(res, 400, 'invalid_request', 'Unknown request_uri')
  })

  it('malformed request_uri ("undefined") → 400 HTML request_uri format error', async () => {
    const { client } = await setup()
    const res = await openPage(client.authorizeUrl('undefined'))
    expectHtmlError(
      res,
      400,
      'invalid_request',
      'Invalid "request_uri" query parameter: Invalid request_uri format at query.request_uri',
    )
  })

  it('client_id other than the PAR one → 303 to the client with access_denied, order iss, state, error, error_description', async () => {
    const { w, client } = await setup()
    const state = 'state-wrong-client'
    const { requestUri } = await client.par({ state })
    const res = await openPage(client.authorizeUrl(requestUri, 'http://localhost'))
    expect(res.status).toBe(303)
    expect(header(res, 'cache-control')).toBe('no-store')
    const location = header(res, 'location')
    expect(locationShape(location)).toEqual({
      target: REDIRECT_URI,
      names: ['iss', 'state', 'error', 'error_description'],
    })
    expect(Object.fromEntries(new URL(location!).searchParams)).toEqual({
      iss: w.urls.issuer,
      state,
      error: 'access_denied',
      error_description: 'This request was initiated for another client',
    })
    expect(location).toContain('error_description=This+request+was+initiated+for+another+client')
  })

  it('expired request (World clock + 301 s) → access_denied redirect "This request has expired"', async () => {
    const { w, client } = await setup()
    const { requestUri } = await client.par()
    w.clock.advance(301_000)
    expectDenied(await openPage(client.authorizeUrl(requestUri)), 'This request has expired')
  })

  it('each opening restarts the 5-minute inactivity timer', async () => {
    const { w, client } = await setup()
    const { requestUri } = await client.par()
    const first = await openPage(client.authorizeUrl(requestUri))
    const cookie = headerLines(first, 'set-cookie').map((c) => c.split(';')[0]).join('; ')
    w.clock.advance(240_000)
    expect((await send(client.authorizeUrl(requestUri), { headers: { ...NAVIGATION_HEADERS, cookie } })).status).toBe(200)
    w.clock.advance(240_000)
    expect((await send(client.authorizeUrl(requestUri), { headers: { ...NAVIGATION_HEADERS, cookie } })).status).toBe(200)
  })

  it('a request opened in a second browser is denied there and forgotten', async () => {
    const { client } = await setup()
    const { requestUri } = await client.par()
    const first = await openPage(client.authorizeUrl(requestUri))
    expect(first.status).toBe(200)
    expectDenied(await openPage(client.authorizeUrl(requestUri)), 'This request was initiated from another device')
    const cookie = headerLines(first, 'set-cookie').map((c) => c.split(';')[0]).join('; ')
    const again = await send(client.authorizeUrl(requestUri), { headers: { ...NAVIGATION_HEADERS, cookie } })
    expectHtmlError(again, 400, 'invalid_request', 'Unknown request_uri')
  })

  it('a page that is not a navigation is refused (sec-fetch-mode, sec-fetch-dest)', async () => {
    const { client } = await setup()
    const { requestUri } = await client.par()
    const res = await send(client.authorizeUrl(requestUri), { headers: { ...NAVIGATION_HEADERS, 'sec-fetch-dest': 'iframe' } })
    expectHtmlError(res, 400, 'invalid_request', 'Forbidden sec-fetch-dest header "iframe" (expected document)')
  })

  it('a request still inside its 300 s lifetime (+299 s) is rendered', async () => {
    const { w, client } = await setup()
    const { requestUri } = await client.par()
    w.clock.advance(299_000)
    const res = await openPage(client.authorizeUrl(requestUri))
    expect(res.status).toBe(200)
  })

  it('direct (non-PAR) request: rendered in the reference profile (§10.9), refused in strict', async () => {
    const { w, client } = await setup()
    const params = client.parParams({ verifier: 'x', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' })
    const direct = `${w.urls.issuer}/oauth/authorize?${form(params)}`
    expect((await openPage(direct)).status).toBe(200)

    const strict = await setup('strict')
    const refused = await openPage(`${strict.w.urls.issuer}/oauth/authorize?${form(params)}`)
    expectHtmlError(refused, 400, 'invalid_request', 'Pushed authorization requests are required (PAR-01)')
  })
})

describe('consent and the redirect back to the client (reference-wire.md §4)', () => {
  it('approve → 303, Location order state, iss, code; code is cod-<64 hex>', async () => {
    const { w, client } = await setup()
    const state = 'state-approve'
    const { requestUri } = await client.par({ state })
    const response = await completeAuthorization(client.authorizeUrl(requestUri), [w.urls.issuer], {
      username: w.accounts.plc.handle,
      password: w.accounts.plc.password,
      decision: 'approve',
    })
    expect(response.mode).toBe('query')
    expect(locationShape(response.url)).toEqual({ target: REDIRECT_URI, names: ['state', 'iss', 'code'] })
    expect(response.params.get('state')).toBe(state)
    expect(response.params.get('iss')).toBe(w.urls.issuer)
    expect(response.params.get('code')).toMatch(/^cod-[0-9a-f]{64}$/)
  })

  it('deny → 303 with access_denied "The user rejected the request", order state, iss, error, error_description', async () => {
    const { w, client } = await setup()
    const { requestUri } = await client.par()
    const response = await completeAuthorization(client.authorizeUrl(requestUri), [w.urls.issuer], {
      username: w.accounts.plc.handle,
      password: w.accounts.plc.password,
      decision: 'deny',
    })
    expect(locationShape(response.url)).toEqual({
      target: REDIRECT_URI,
      names: ['state', 'iss', 'error', 'error_description'],
    })
    expect(response.params.get('error')).toBe('access_denied')
    expect(response.params.get('error_description')).toBe('The user rejected the request')
  })

  it('wrong password → 400 page "Invalid identifier or password"; the request stays usable', async () => {
    const { w, client } = await setup()
    const { requestUri } = await client.par()
    const consent = (password: string) =>
      send(`${w.urls.issuer}/oauth/authorize/consent`, {
        method: 'POST',
        headers: { ...NAVIGATION_HEADERS, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ request_uri: requestUri, username: 'alice.test', password, decision: 'approve' }),
      })
    const wrong = await consent('not-the-password')
    expect(wrong.status).toBe(400)
    expect(wrong.text).toContain('Invalid identifier or password')
    const right = await consent(w.accounts.plc.password)
    expect(right.status).toBe(303)
    expect(new URL(header(right, 'location')!).searchParams.get('code')).toMatch(/^cod-/)
  })

  it('reopening the page of an approved request ends it: access_denied to the client, and the code dies with it', async () => {
    const { client } = await setup()
    const { requestUri, pkce } = await client.par()
    const code = await client.approve(requestUri)
    const res = await openPage(client.authorizeUrl(requestUri))
    expect(res.status).toBe(303)
    expect(locationShape(header(res, 'location'))).toEqual({ target: REDIRECT_URI, names: ['iss', 'state', 'error', 'error_description'] })
    const back = new URL(header(res, 'location')!).searchParams
    expect([back.get('error'), back.get('error_description')]).toEqual(['access_denied', 'This request was already authorized'])
    const token = await client.exchange(code, pkce.verifier)
    expect([token.status, token.json?.error, token.json?.error_description]).toEqual([400, 'invalid_grant', 'Invalid code'])
    expectHtmlError(await openPage(client.authorizeUrl(requestUri)), 400, 'invalid_request', 'Unknown request_uri')
  })

  it('once its code was exchanged, the request is gone: reopening its page is an unknown request_uri', async () => {
    const { client } = await setup()
    const { requestUri, pkce } = await client.par()
    const code = await client.approve(requestUri)
    expect((await client.exchange(code, pkce.verifier)).status).toBe(200)
    expectHtmlError(await openPage(client.authorizeUrl(requestUri)), 400, 'invalid_request', 'Unknown request_uri')
  })

  it('the loopback client id of the captures round-trips through the page', async () => {
    const { client } = await setup()
    expect(client.clientId).toBe(CLIENT_ID)
    const { code } = await client.code()
    expect(code).toMatch(/^cod-[0-9a-f]{64}$/)
  })
})
