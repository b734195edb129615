import { describe, expect, it } from 'vitest'
import { newDpopKey, newPkce } from '../helpers/dpop.ts'
import { expectAsError, expectTokenResponse, expectXrpcOAuthError, expectXrpcOk } from '../helpers/expect-wire.ts'
import { header, send } from '../helpers/http.ts'
import { CLIENT_ID, TestClient } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const CREDENTIALS_MISSING =
  'Client credentials missing: Required at body.client_id; Invalid literal value, expected ' +
  '"urn:ietf:params:oauth:client-assertion-type:jwt-bearer" at body.client_assertion_type; Required at ' +
  'body.client_assertion, or Required at body.client_id; Required at body.client_secret, or Required at body.client_id'
const GET_SESSION = '/xrpc/com.atproto.server.getSession'

async function setup() {
  const w = await world()
  const client = await TestClient.create(w)
  return { w, client }
}

function decodeJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.') as [string, string]
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  }
}

/** The access token works at the PDS (200) or is dead (401 invalid_token "Invalid token"). */
async function expectAccess(client: TestClient, token: string, alive: boolean): Promise<void> {
  const res = await client.xrpc(GET_SESSION, { token })
  if (alive) expectXrpcOk(res)
  else expectXrpcOAuthError(res, 'invalid_token', 'Invalid token')
}

describe('token endpoint: authorization_code grant (reference-wire.md §5)', () => {
  it('success: token response in the reference key order; HS256 at+jwt with the reference claims', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier)
    expectTokenResponse(res, w.accounts.plc.did)
    const at = decodeJwt(res.json.access_token)
    expect(at.header).toEqual({ typ: 'at+jwt', alg: 'HS256' })
    expect(Object.keys(at.payload)).toEqual(['jti', 'sub', 'iat', 'exp', 'aud', 'cnf', 'client_id', 'iss'])
    expect(at.payload).toMatchObject({
      sub: w.accounts.plc.did,
      aud: `did:web:${new URL(w.urls.pds).host.replace(':', '%3A')}`,
      cnf: { jkt: client.key.jkt },
      client_id: CLIENT_ID,
      iss: w.urls.issuer,
    })
    expect(at.payload.jti).toMatch(/^tok-[0-9a-f]{32}$/)
    expect(at.payload.exp).toBe((at.payload.iat as number) + 3600)
    await expectAccess(client, res.json.access_token, true)
  })

  it('JSON body (reference profile) → 200', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.postWithDpop('/oauth/token', client.tokenParams(code, pkce.verifier), {}, { json: true })
    expectTokenResponse(res, w.accounts.plc.did)
  })

  it('no DPoP → 401 "DPoP proof required"; the code is not burned', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.post('/oauth/token', client.tokenParams(code, pkce.verifier))
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP proof required')
    expectTokenResponse(await client.exchange(code, pkce.verifier), w.accounts.plc.did)
  })

  it('proof without nonce → 400 use_dpop_nonce; the code is not burned', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier, { tweaks: { nonce: null } })
    expectAsError(res, 400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof')
    expectTokenResponse(await client.exchange(code, pkce.verifier), w.accounts.plc.did)
  })

  it('wrong code_verifier → 400 "Invalid code_verifier"; code burned → retry "Invalid code"', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const wrong = await client.exchange(code, newPkce().verifier)
    expectAsError(wrong, 400, 'invalid_grant', 'Invalid code_verifier')
    expectAsError(await client.exchange(code, pkce.verifier), 400, 'invalid_grant', 'Invalid code')
  })

  it('a DPoP key other than the PAR one → 400 "DPoP proof does not match the expected JKT"; code burned', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const other = await newDpopKey()
    const res = await client.exchange(code, pkce.verifier, { tweaks: { key: other } })
    expectAsError(res, 400, 'invalid_grant', 'DPoP proof does not match the expected JKT')
    expectAsError(await client.exchange(code, pkce.verifier), 400, 'invalid_grant', 'Invalid code')
  })

  it('PAR without DPoP: the key is bound at the code exchange (§11.7)', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code({ key: null })
    const other = await newDpopKey()
    const res = await client.exchange(code, pkce.verifier, { tweaks: { key: other } })
    expectTokenResponse(res, w.accounts.plc.did)
    expect(decodeJwt(res.json.access_token).payload.cnf).toEqual({ jkt: other.jkt })
  })

  it('PAR with a dpop_jkt parameter and no proof: another key at the exchange is refused', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code({ key: null, overrides: { dpop_jkt: client.key.jkt } })
    const res = await client.exchange(code, pkce.verifier, { tweaks: { key: await newDpopKey() } })
    expectAsError(res, 400, 'invalid_grant', 'DPoP proof does not match the expected JKT')
  })

  it('redirect_uri other than the authorization request one → 400 invalid_grant; code burned', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier, { overrides: { redirect_uri: 'http://127.0.0.1:8080/other' } })
    expectAsError(
      res,
      400,
      'invalid_grant',
      'The redirect_uri parameter must match the one used in the authorization request',
    )
    expectAsError(await client.exchange(code, pkce.verifier), 400, 'invalid_grant', 'Invalid code')
  })

  it('no client_id → 400 invalid_grant "Client credentials missing: …" (invalid_grant here, invalid_client at PAR)', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier, { overrides: { client_id: undefined } })
    expectAsError(res, 400, 'invalid_grant', CREDENTIALS_MISSING)
  })

  it('client_id other than the PAR one → 400 "Token was not issued to this client"; code burned', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier, { overrides: { client_id: 'http://localhost' } })
    expectAsError(res, 400, 'invalid_grant', 'Token was not issued to this client')
    expectAsError(await client.exchange(code, pkce.verifier), 400, 'invalid_grant', 'Invalid code')
  })

  it('grant_type password → 400 invalid_grant "Grant type … is not supported by the server"', async () => {
    const { client } = await setup()
    const res = await client.postWithDpop('/oauth/token', {
      grant_type: 'password',
      username: 'alice.test',
      password: 'alice-pass',
      client_id: CLIENT_ID,
    })
    expectAsError(res, 400, 'invalid_grant', 'Grant type "password" is not supported by the server')
  })

  it('garbage code → 400 "Invalid code"', async () => {
    const { client } = await setup()
    const res = await client.exchange(`cod-${'0'.repeat(64)}`, newPkce().verifier)
    expectAsError(res, 400, 'invalid_grant', 'Invalid code')
  })

  it('code reuse → "Invalid code" and the session from the first exchange is revoked', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const first = await client.exchange(code, pkce.verifier)
    expectTokenResponse(first, w.accounts.plc.did)
    await expectAccess(client, first.json.access_token, true)
    expectAsError(await client.exchange(code, pkce.verifier), 400, 'invalid_grant', 'Invalid code')
    await expectAccess(client, first.json.access_token, false)
    expectAsError(await client.refresh(first.json.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('the same code_challenge in two authorization requests → second exchange "Code challenge already used"', async () => {
    const { w, client } = await setup()
    const pkce = newPkce()
    const a = await client.code({ pkce })
    const b = await client.code({ pkce })
    expectTokenResponse(await client.exchange(a.code, pkce.verifier), w.accounts.plc.did)
    expectAsError(await client.exchange(b.code, pkce.verifier), 400, 'invalid_grant', 'Code challenge already used')
  })

  it('code_verifier omitted → 400 "code_verifier is required"', async () => {
    const { client } = await setup()
    const { code } = await client.code()
    const res = await client.exchange(code, '', { overrides: { code_verifier: undefined } })
    expectAsError(res, 400, 'invalid_grant', 'code_verifier is required')
  })

  it('18-character verifier (challenge computed from it) → 400 schema error', async () => {
    const { client } = await setup()
    const short = newPkce('abcdefghijklmnopqr')
    const { code } = await client.code({ pkce: short })
    const res = await client.exchange(code, short.verifier)
    expectAsError(
      res,
      400,
      'invalid_grant',
      'Invalid request payload: String must contain at least 43 character(s) at body.code_verifier',
    )
  })

  it('code_challenge as padded standard base64 with a matching verifier → 200 (lenient decoding)', async () => {
    const { w, client } = await setup()
    for (;;) {
      // Find a verifier whose challenge uses "+" or "/" so the two encodings really differ.
      const pkce = newPkce()
      const std = Buffer.from(pkce.challenge, 'base64url').toString('base64')
      if (!/[+/]/.test(std)) continue
      const { code } = await client.code({ pkce: { verifier: pkce.verifier, challenge: std } })
      expectTokenResponse(await client.exchange(code, pkce.verifier), w.accounts.plc.did)
      break
    }
  })

  it('GET /oauth/token → 404 Express HTML page "Cannot GET /oauth/token" (§2)', async () => {
    const { w } = await setup()
    for (const path of ['/oauth/token', '/oauth/nope']) {
      const res = await send(`${w.urls.issuer}${path}`)
      expect(res.status).toBe(404)
      expect(res.text).toBe(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
          `<pre>Cannot GET ${path}</pre>\n</body>\n</html>\n`,
      )
      expect(header(res, 'content-type')).toBe('text/html; charset=utf-8')
      expect(header(res, 'access-control-allow-origin')).toBe('*')
      expect(header(res, 'content-security-policy')).toBe("default-src 'none'")
      expect(header(res, 'x-content-type-options')).toBe('nosniff')
    }
  })
})

describe('token endpoint: refresh_token grant (reference-wire.md §5, §11.3)', () => {
  it('success: refresh token rotated, new jti, old access token dead at once, new one works', async () => {
    const { w, client } = await setup()
    const { tokens } = await client.login()
    const res = await client.refresh(tokens.refresh_token)
    expectTokenResponse(res, w.accounts.plc.did)
    expect(res.json.refresh_token).not.toBe(tokens.refresh_token)
    const oldAt = decodeJwt(tokens.access_token).payload
    const newAt = decodeJwt(res.json.access_token).payload
    expect(newAt.jti).not.toBe(oldAt.jti)
    expect(newAt.cnf).toEqual(oldAt.cnf)
    await expectAccess(client, tokens.access_token, false)
    await expectAccess(client, res.json.access_token, true)
  })

  it('reuse of the rotated-out refresh token → "Refresh token replayed" and the whole session dies', async () => {
    const { client } = await setup()
    const { tokens } = await client.login()
    const fresh = (await client.refresh(tokens.refresh_token)).json
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Refresh token replayed')
    await expectAccess(client, fresh.access_token, false)
    expectAsError(await client.refresh(fresh.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('another DPoP key → "DPoP proof does not match the expected JKT"; session killed', async () => {
    const { client } = await setup()
    const { tokens } = await client.login()
    const res = await client.refresh(tokens.refresh_token, { tweaks: { key: await newDpopKey() } })
    expectAsError(res, 400, 'invalid_grant', 'DPoP proof does not match the expected JKT')
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
    await expectAccess(client, tokens.access_token, false)
  })

  it('no DPoP → 401 "DPoP proof required"; the session survives (rejected before the grant)', async () => {
    const { w, client } = await setup()
    const { tokens } = await client.login()
    const res = await client.post('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: CLIENT_ID,
    })
    expectAsError(res, 401, 'invalid_dpop_proof', 'DPoP proof required')
    expectTokenResponse(await client.refresh(tokens.refresh_token), w.accounts.plc.did)
  })

  it('another client_id → "Token was not issued to this client"; session killed', async () => {
    const { client } = await setup()
    const { tokens } = await client.login()
    const res = await client.refresh(tokens.refresh_token, { overrides: { client_id: 'http://localhost' } })
    expectAsError(res, 400, 'invalid_grant', 'Token was not issued to this client')
    expectAsError(await client.refresh(tokens.refresh_token), 400, 'invalid_grant', 'Invalid refresh token')
    await expectAccess(client, tokens.access_token, false)
  })

  it('garbage refresh token → 400 "Invalid refresh token"', async () => {
    const { client } = await setup()
    const res = await client.refresh(`ref-${'0'.repeat(64)}`)
    expectAsError(res, 400, 'invalid_grant', 'Invalid refresh token')
  })

  it('refresh after the access token expired (World clock +3601 s) → 200 with a live token', async () => {
    const { w, client } = await setup()
    const { tokens } = await client.login()
    w.clock.advance(3601_000)
    const res = await client.refresh(tokens.refresh_token)
    expectTokenResponse(res, w.accounts.plc.did)
    await expectAccess(client, res.json.access_token, true)
  })
})

describe('token endpoint: the request shape, checked first in the reference schema words', () => {
  it('redirect_uri missing → 400 "Invalid request payload: Required at body.redirect_uri"; the code is not spent', async () => {
    const { w, client } = await setup()
    const { code, pkce } = await client.code()
    const res = await client.exchange(code, pkce.verifier, { overrides: { redirect_uri: undefined } })
    expectAsError(res, 400, 'invalid_grant', 'Invalid request payload: Required at body.redirect_uri')
    expectTokenResponse(await client.exchange(code, pkce.verifier), w.accounts.plc.did)
  })

  it('grant_type unknown, code malformed, refresh token malformed → the reference messages', async () => {
    const { client } = await setup()
    const { code, pkce } = await client.code()
    const discriminator = "Invalid discriminator value. Expected 'authorization_code' | 'refresh_token' | 'password' | 'client_credentials'"
    expectAsError(await client.exchange(code, pkce.verifier, { overrides: { grant_type: 'Authorization_Code' } }), 400, 'invalid_grant', `Invalid request payload: ${discriminator} at body.grant_type`)
    expectAsError(await client.exchange(code, pkce.verifier, { overrides: { code: '' } }), 400, 'invalid_grant', 'Invalid request payload: String must contain at least 1 character(s) at body.code')
    expectAsError(await client.exchange(code, pkce.verifier, { overrides: { code: ` ${code}` } }), 400, 'invalid_grant', 'Invalid code: String must contain exactly 68 character(s) at code; Invalid code format at code')
    expectAsError(await client.exchange(code, pkce.verifier, { overrides: { code_verifier: '' } }), 400, 'invalid_grant', 'Invalid request payload: String must contain at least 43 character(s) at body.code_verifier; Invalid at body.code_verifier')
    expectAsError(await client.refresh('ref-0000'), 400, 'invalid_grant', 'Invalid refresh token: String must contain exactly 68 character(s) at refresh_token')
  })

  it('a public client that also sends a client_secret: ignored by the reference profile, refused by the strict one', async () => {
    const reference = await setup()
    const a = await reference.client.code()
    const res = await reference.client.exchange(a.code, a.pkce.verifier, { overrides: { client_secret: 'secret' } })
    expectTokenResponse(res, reference.w.accounts.plc.did)
    const w = await world({ profile: 'strict' })
    const strict = await TestClient.create(w)
    const b = await strict.code()
    expectAsError(await strict.exchange(b.code, b.pkce.verifier, { overrides: { client_secret: 'secret' } }), 400, 'invalid_client', 'client_secret is not supported by this server')
  })
})
