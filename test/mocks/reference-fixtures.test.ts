/**
 * Fidelity against the recorded reference server (reference-captures/README.md "Using them as golden
 * fixtures"): the mock is driven through the same requests, and status, error, description, body keys,
 * DPoP-Nonce presence, masked WWW-Authenticate, Cache-Control, Access-Control-Expose-Headers and redirect
 * shape are compared capture by capture.
 *
 * - Every recorded PAR is replayed as recorded (same body, same headers), its DPoP proof re-signed for this
 *   World by `ProofReplayer` (same claims, the World's htu and nonce, `iat` at the recorded offset).
 * - Code, token, revocation and resource-server captures need live codes and tokens, so each group is
 *   re-enacted with the test client and then compared with the captures of that group, in recorded order.
 *
 * Kept differences: none. The reference's own sign-in UI API (`~api/sign-in`, `~api/consent`, the
 * authorize-page variants that check sec-fetch headers) is not part of what a client talks to and is not
 * replayed (README: "a mock may obtain a fresh code through its own login path").
 */
import { describe, expect, it } from 'vitest'
import type { World } from '../../harness/world.ts'
import {
  capturesAvailable,
  CAPTURES_MISSING,
  factsOfCapture,
  factsOfResult,
  listCaptures,
  loadCapture,
  ProofReplayer,
  REFERENCE_ISSUER,
  type Capture,
} from '../helpers/captures.ts'
import { newDpopKey, newPkce } from '../helpers/dpop.ts'
import { send, type HttpResult } from '../helpers/http.ts'
import { CLIENT_ID, NAVIGATION_HEADERS, TestClient, type Tokens } from '../helpers/oauth-client.ts'
import { jwkThumbprint } from '../../protocol/jwk.ts'
import { useWorlds } from '../helpers/worlds.ts'

const world = useWorlds()

const GET_SESSION = '/xrpc/com.atproto.server.getSession'

function expectSameFacts(res: HttpResult, w: World, name: string): void {
  const recorded = loadCapture(name)
  expect(factsOfResult(res, w.urls.issuer), `${recorded.file}: ${recorded.description}`).toEqual(
    factsOfCapture(recorded),
  )
}

/** Sends a recorded PAR to the World as recorded, with its proof re-signed and URLs mapped. */
function replayPar(w: World, replayer: ProofReplayer, c: Capture): Promise<HttpResult> {
  const headers: Record<string, string> = {}
  let recordedJkt: string | undefined
  for (const [k, v] of Object.entries(c.request.headers)) {
    if (k === 'host' || k === 'content-length') continue
    if (k === 'dpop') {
      headers.dpop = v === '' ? '' : (replayer.resign(v, c.time) ?? v)
      const jwk = c.request.decoded?.dpop?.header.jwk
      recordedJkt = jwk ? jwkThumbprint(jwk) : undefined
      continue
    }
    headers[k] = v
  }
  let body = (c.request.body ?? '')
    .replaceAll(REFERENCE_ISSUER, w.urls.issuer)
    .replaceAll(encodeURIComponent(REFERENCE_ISSUER), encodeURIComponent(w.urls.issuer))
  // A dpop_jkt naming the proof's own recorded key keeps naming it after the key is replaced.
  const mapped = recordedJkt ? replayer.jktFor(recordedJkt) : undefined
  if (recordedJkt && mapped) body = body.replaceAll(recordedJkt, mapped)
  return send(`${w.urls.issuer}${new URL(c.request.url).pathname}`, { method: 'POST', headers, body })
}

const parCaptures = capturesAvailable
  ? ['main', 'extra', 'extra/b', 'extra/c']
      .flatMap(listCaptures)
      .filter((c) => c.request.method === 'POST' && new URL(c.request.url).pathname === '/oauth/par')
  : []

describe('reference captures: every recorded PAR replayed against the mock', () => {
  if (!capturesAvailable) it.skip(CAPTURES_MISSING, () => {})

  for (const c of parCaptures) {
    it(`${c.file} (${c.name}): ${c.description}`, async () => {
      const w = await world()
      const client = await TestClient.create(w)
      await client.warmAs()
      const replayer = new ProofReplayer(w.urls.issuer, () => client.asNonce)
      // A replay probe needs its first sending first (same proof, same jti).
      if (c.name.endsWith('-jti-replay')) await replayPar(w, replayer, loadCapture(c.name.replace(/-replay$/, '-first')))
      const res = await replayPar(w, replayer, c)
      expect(factsOfResult(res, w.urls.issuer), c.file).toEqual(factsOfCapture(c))
    })
  }
})

/** One re-enacted group: a function returning the mock's answers keyed by the capture they stand for. */
type Group = (t: { w: World; client: TestClient }) => Promise<[string, HttpResult][]>

function xrpc(client: TestClient, token: string, options: Parameters<TestClient['xrpc']>[1] = {}) {
  return client.xrpc(GET_SESSION, { token, retry: false, ...options })
}

const groups: Record<string, Group> = {
  discovery: async ({ w }) => [
    ['well-known-oauth-protected-resource', await send(`${w.urls.pds}/.well-known/oauth-protected-resource`)],
    ['well-known-oauth-authorization-server', await send(`${w.urls.issuer}/.well-known/oauth-authorization-server`)],
    ['oauth-jwks', await send(`${w.urls.issuer}/oauth/jwks`)],
    [
      'well-known-oauth-protected-resource-options',
      await send(`${w.urls.pds}/.well-known/oauth-protected-resource`, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'GET' },
      }),
    ],
    [
      'par-options-preflight',
      await send(`${w.urls.issuer}/oauth/par`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://127.0.0.1:8080',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,dpop',
        },
      }),
    ],
    ['par-get-405', await send(`${w.urls.issuer}/oauth/par`)],
    ['c-get-token', await send(`${w.urls.issuer}/oauth/token`)],
    ['c-unknown-oauth-route', await send(`${w.urls.issuer}/oauth/nope`)],
  ],

  'authorize page errors': async ({ client }) => {
    const { requestUri } = await client.par()
    const page = (url: string) => send(url, { headers: { ...NAVIGATION_HEADERS, 'sec-fetch-site': 'none' } })
    return [
      ['authorize-page-wrong-client-id', await page(client.authorizeUrl(requestUri, 'http://localhost'))],
      [
        'authorize-page-unknown-request-uri',
        await page(client.authorizeUrl('urn:ietf:params:oauth:request_uri:req-00000000000000000000000000000000')),
      ],
      ['authorize-prompt-none-control', await page(client.authorizeUrl('undefined'))],
    ]
  },

  'code exchange defects': async ({ client }) => {
    const out: [string, HttpResult][] = []
    let { code, pkce } = await client.code()
    out.push(['token-code-no-dpop', await client.post('/oauth/token', client.tokenParams(code, pkce.verifier))])
    out.push(['token-code-after-no-dpop-attempt', await client.exchange(code, pkce.verifier)])
    ;({ code, pkce } = await client.code())
    out.push(['token-code-dpop-no-nonce', await client.exchange(code, pkce.verifier, { tweaks: { nonce: null } })])
    out.push(['token-code-after-no-nonce-attempt', await client.exchange(code, pkce.verifier)])
    ;({ code, pkce } = await client.code())
    out.push(['token-code-wrong-verifier', await client.exchange(code, newPkce().verifier)])
    out.push(['token-code-after-wrong-verifier', await client.exchange(code, pkce.verifier)])
    ;({ code, pkce } = await client.code())
    const other = await newDpopKey()
    out.push(['token-code-different-dpop-key', await client.exchange(code, pkce.verifier, { tweaks: { key: other } })])
    out.push(['token-code-after-different-key', await client.exchange(code, pkce.verifier)])
    ;({ code, pkce } = await client.code())
    const redirect = { redirect_uri: 'http://127.0.0.1:8080/other' }
    out.push(['token-code-bad-redirect-uri', await client.exchange(code, pkce.verifier, { overrides: redirect })])
    ;({ code, pkce } = await client.code())
    const noClient = { client_id: undefined }
    out.push(['token-code-no-client-id', await client.exchange(code, pkce.verifier, { overrides: noClient })])
    out.push([
      'token-bad-grant-type',
      await client.postWithDpop('/oauth/token', {
        grant_type: 'password',
        username: 'alice.test',
        password: 'alice-pass',
        client_id: CLIENT_ID,
      }),
    ])
    out.push(['token-garbage-code', await client.exchange(`cod-${'0'.repeat(64)}`, newPkce().verifier)])
    return out
  },

  'resource server probes': async ({ w, client }) => {
    const { code, pkce } = await client.code()
    const exchange = await client.exchange(code, pkce.verifier)
    const token = (exchange.json as Tokens).access_token
    const out: [string, HttpResult][] = [['token-code-success', exchange]]
    out.push(['rs-dpop-no-nonce', await xrpc(client, token, { tweaks: { nonce: null } })])
    out.push(['rs-dpop-ok', await xrpc(client, token)])
    out.push(['rs-dpop-bad-nonce', await xrpc(client, token, { tweaks: { nonce: 'bogus' } })])
    out.push(['rs-dpop-no-ath', await xrpc(client, token, { tweaks: { accessToken: undefined } })])
    const wrongAth = 'LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE'
    out.push(['rs-dpop-wrong-ath', await xrpc(client, token, { tweaks: { ath: wrongAth } })])
    out.push(['rs-bearer-scheme', await xrpc(client, token, { authorization: `Bearer ${token}`, dpop: null })])
    out.push(['rs-bearer-scheme-with-proof', await xrpc(client, token, { authorization: `Bearer ${token}` })])
    out.push(['rs-dpop-no-proof-header', await xrpc(client, token, { dpop: null })])
    out.push(['rs-dpop-wrong-key', await xrpc(client, token, { tweaks: { key: await newDpopKey() } })])
    const otherHtu = client.pdsUrl('/xrpc/com.atproto.server.describeServer')
    out.push(['rs-dpop-wrong-htu', await xrpc(client, token, { tweaks: { htu: otherHtu } })])
    const queryHtu = `${client.pdsUrl(GET_SESSION)}?foo=bar`
    out.push(['rs-dpop-htu-with-query', await xrpc(client, token, { tweaks: { htu: queryHtu } })])
    out.push(['rs-garbage-token', await xrpc(client, 'not.a.jwt')])
    out.push(['rs-no-auth', await xrpc(client, token, { authorization: null, dpop: null })])
    const describe = `/xrpc/com.atproto.repo.describeRepo?repo=${encodeURIComponent(w.accounts.plc.did)}`
    out.push(['rs-describe-repo-ok', await client.xrpc(describe, { token, retry: false })])
    out.push([
      'rs-options-preflight',
      await send(client.pdsUrl(GET_SESSION), {
        method: 'OPTIONS',
        headers: {
          origin: 'http://127.0.0.1:8080',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization,dpop',
        },
      }),
    ])
    return out
  },

  'code reuse': async ({ client }) => {
    const { code, pkce } = await client.code()
    const first = await client.exchange(code, pkce.verifier)
    const tokens = first.json as Tokens
    await client.warmPds(tokens.access_token)
    return [
      ['token-code-success-for-reuse', first],
      ['rs-before-code-reuse', await xrpc(client, tokens.access_token)],
      ['token-code-reuse', await client.exchange(code, pkce.verifier)],
      ['rs-after-code-reuse', await xrpc(client, tokens.access_token)],
      ['token-refresh-after-code-reuse', await client.refresh(tokens.refresh_token)],
    ]
  },

  'refresh rotation and replay': async ({ client }) => {
    const { tokens } = await client.login()
    await client.warmPds(tokens.access_token)
    const refreshed = await client.refresh(tokens.refresh_token)
    const fresh = refreshed.json as Tokens
    return [
      ['token-refresh-success', refreshed],
      ['rs-old-access-after-refresh', await xrpc(client, tokens.access_token)],
      ['rs-new-access-after-refresh', await xrpc(client, fresh.access_token)],
      ['token-refresh-reuse-old', await client.refresh(tokens.refresh_token)],
      ['rs-new-access-after-refresh-reuse', await xrpc(client, fresh.access_token)],
      ['token-refresh-new-after-reuse', await client.refresh(fresh.refresh_token)],
    ]
  },

  'refresh defects': async ({ client }) => {
    const a = await client.code()
    const successA = await client.exchange(a.code, a.pkce.verifier)
    const tokensA = successA.json as Tokens
    const out: [string, HttpResult][] = [['token-code-success-2', successA]]
    const otherKey = { tweaks: { key: await newDpopKey() } }
    out.push(['token-refresh-different-key', await client.refresh(tokensA.refresh_token, otherKey)])
    out.push(['token-refresh-after-different-key', await client.refresh(tokensA.refresh_token)])
    out.push([
      'token-refresh-no-dpop',
      await client.post('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tokensA.refresh_token,
        client_id: CLIENT_ID,
      }),
    ])
    const b = await client.code()
    const successB = await client.exchange(b.code, b.pkce.verifier)
    const tokensB = successB.json as Tokens
    out.push(['token-code-success-for-wrong-client', successB])
    const otherClient = { overrides: { client_id: 'http://localhost' } }
    out.push(['token-refresh-wrong-client-id', await client.refresh(tokensB.refresh_token, otherClient)])
    out.push(['token-refresh-after-wrong-client-id', await client.refresh(tokensB.refresh_token)])
    out.push(['token-refresh-garbage', await client.refresh(`ref-${'0'.repeat(64)}`)])
    return out
  },

  revocation: async ({ client }) => {
    const { code, pkce } = await client.code()
    const success = await client.exchange(code, pkce.verifier)
    let tokens = success.json as Tokens
    await client.warmPds(tokens.access_token)
    const out: [string, HttpResult][] = [['token-code-success-3', success]]
    out.push(['rs-before-revoke', await xrpc(client, tokens.access_token)])
    out.push(['revoke-access-token-no-dpop', await client.revoke(tokens.access_token, { key: null })])
    out.push(['rs-after-revoke', await xrpc(client, tokens.access_token)])
    const refreshed = await client.refresh(tokens.refresh_token)
    out.push(['token-refresh-after-revoke', refreshed])
    tokens = refreshed.json as Tokens
    out.push([
      'revoke-access-token-dpop-no-nonce',
      await client.post(
        '/oauth/revoke',
        { token: tokens.access_token, client_id: CLIENT_ID },
        { dpop: await client.asProof('/oauth/revoke', { nonce: null }) },
      ),
    ])
    out.push(['revoke-access-token-dpop-other-key', await client.revoke(tokens.access_token, { key: await newDpopKey() })])
    out.push(['rs-after-revoke-other-key', await xrpc(client, tokens.access_token)])
    out.push(['revoke-access-token-dpop', await client.revoke(tokens.access_token)])
    out.push(['rs-after-revoke-dpop', await xrpc(client, tokens.access_token)])
    out.push(['token-refresh-after-revoke-dpop', await client.refresh(tokens.refresh_token)])
    out.push(['revoke-garbage-token', await client.revoke('garbage', { key: null })])
    out.push(['revoke-no-client-id', await client.post('/oauth/revoke', { token: 'garbage' })])

    const again = await client.code()
    const success4 = await client.exchange(again.code, again.pkce.verifier)
    const tokens4 = success4.json as Tokens
    out.push(['token-code-success-4', success4])
    const hint = { overrides: { token_type_hint: 'refresh_token' } }
    out.push(['revoke-refresh-token-with-dpop', await client.revoke(tokens4.refresh_token, hint)])
    out.push(['rs-after-refresh-revoke', await xrpc(client, tokens4.access_token)])
    out.push(['token-refresh-after-refresh-revoke', await client.refresh(tokens4.refresh_token)])
    return out
  },

  'extra: JSON bodies, scheme variants, revoke with DPoP': async ({ client }) => {
    const { code, pkce } = await client.code()
    const json = await client.postWithDpop('/oauth/token', client.tokenParams(code, pkce.verifier), {}, { json: true })
    const tokens = json.json as Tokens
    await client.warmPds(tokens.access_token)
    const out: [string, HttpResult][] = [['token-code-json-body', json]]
    out.push(['rs-ok-1', await xrpc(client, tokens.access_token)])
    out.push(['rs-same-nonce-again', await xrpc(client, tokens.access_token)])
    out.push(['rs-lowercase-scheme', await xrpc(client, tokens.access_token, { authorization: `dpop ${tokens.access_token}` })])
    out.push(['rs-double-space', await xrpc(client, tokens.access_token, { authorization: `DPoP  ${tokens.access_token}` })])
    out.push(['rs-dpop-scheme-no-proof-garbage', await xrpc(client, 'abc', { dpop: null })])
    const refreshed = await client.refresh(tokens.refresh_token)
    const fresh = refreshed.json as Tokens
    out.push(['token-refresh-h2', refreshed])
    out.push(['revoke-access-token-with-dpop', await client.revoke(fresh.access_token)])
    out.push(['rs-after-access-revoke-with-dpop', await xrpc(client, fresh.access_token)])
    out.push(['token-refresh-after-access-revoke-with-dpop', await client.refresh(fresh.refresh_token)])
    out.push([
      'revoke-json-body',
      await client.postWithDpop(
        '/oauth/revoke',
        { token: 'ref-0000', token_type_hint: 'refresh_token', client_id: CLIENT_ID },
        {},
        { json: true },
      ),
    ])
    return out
  },

  'extra: code replay': async ({ client }) => {
    const { code, pkce } = await client.code()
    const first = await client.exchange(code, pkce.verifier)
    const tokens = first.json as Tokens
    await client.warmPds(tokens.access_token)
    return [
      ['token-code-h2b', first],
      ['token-code-replay-h2b', await client.exchange(code, pkce.verifier)],
      ['rs-after-code-replay-h2b', await xrpc(client, tokens.access_token)],
    ]
  },

  'extra/b: PKCE edge cases': async ({ client }) => {
    const shared = newPkce()
    const first = await client.code({ pkce: shared })
    const second = await client.code({ pkce: shared })
    const out: [string, HttpResult][] = [
      ['b-token-cc-first', await client.exchange(first.code, shared.verifier)],
      ['b-token-cc-second-same-challenge', await client.exchange(second.code, shared.verifier)],
    ]
    const nv = await client.code()
    out.push(['b-token-no-verifier', await client.exchange(nv.code, '', { overrides: { code_verifier: undefined } })])
    const short = newPkce('abcdefghijklmnopqr')
    const sv = await client.code({ pkce: short })
    out.push(['b-token-short-verifier', await client.exchange(sv.code, short.verifier)])
    let std = newPkce()
    while (!/[+/]/.test(Buffer.from(std.challenge, 'base64url').toString('base64'))) std = newPkce()
    const padded = Buffer.from(std.challenge, 'base64url').toString('base64')
    const b64 = await client.code({ pkce: { verifier: std.verifier, challenge: padded } })
    out.push(['b-token-challenge-std-base64', await client.exchange(b64.code, std.verifier)])
    return out
  },

  'extra/c: client_id mismatch at the token endpoint': async ({ client }) => {
    const cm = await client.code()
    const otherClient = { overrides: { client_id: 'http://localhost' } }
    const out: [string, HttpResult][] = [
      ['c-token-code-other-client-id', await client.exchange(cm.code, cm.pkce.verifier, otherClient)],
    ]
    const rm = await client.code()
    const ok = await client.exchange(rm.code, rm.pkce.verifier)
    const tokens = ok.json as Tokens
    await client.warmPds(tokens.access_token)
    out.push(['c-token-code-ok', ok])
    out.push(['c-token-refresh-other-client-id', await client.refresh(tokens.refresh_token, otherClient)])
    out.push(['c-token-refresh-after-other-client-id', await client.refresh(tokens.refresh_token)])
    out.push(['c-rs-after-client-mismatch', await xrpc(client, tokens.access_token)])
    return out
  },
}

describe('reference captures: code, token, revocation and resource-server groups re-enacted', () => {
  if (!capturesAvailable) it.skip(CAPTURES_MISSING, () => {})

  for (const [title, group] of Object.entries(groups)) {
    it.runIf(capturesAvailable)(title, async () => {
      const w = await world()
      const client = await TestClient.create(w)
      const answers = await group({ w, client })
      expect(answers.length).toBeGreaterThan(0)
      for (const [name, res] of answers) expectSameFacts(res, w, name)
    })
  }
})
