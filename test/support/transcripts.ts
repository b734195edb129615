import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto'
import { Transcript, type Actor, type Exchange, type ServerName } from '../../model/transcript.ts'
import type { CheckContext } from '../../harness/check.ts'
import { keyPairSync } from '../../protocol/key-pair.ts'
import type { Scenario } from '../../harness/scenario.ts'

export const ISSUER = 'http://127.0.0.1:4000'
export const PDS = 'http://127.0.0.1:4001'
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A real P-256 key: its public JWK goes into proofs, and proofs are really signed (dpop.signature verifies). */
export interface TestKey {
  jwk: Record<string, string>
  privateKey: KeyObject
}
export function fakeKey(): TestKey {
  const { publicJwk, privateKey } = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
  const { kty, crv, x, y } = publicJwk
  return { jwk: { kty: kty!, crv: crv!, x: x!, y: y! }, privateKey }
}

const signingKeys = new WeakMap<object, KeyObject>()

/** A compact ES256 JWS; signed with the key whose jwk is in the header when known, else a dummy signature. */
export function jws(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`
  const key = header.jwk ? signingKeys.get(header.jwk as object) : undefined
  const sig = key ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : randomBytes(64)
  return `${input}.${sig.toString('base64url')}`
}

export function proof(
  testKey: TestKey,
  method: string,
  url: string,
  extra: Record<string, unknown> = {},
): string {
  signingKeys.set(testKey.jwk, testKey.privateKey)
  return jws(
    { typ: 'dpop+jwt', alg: 'ES256', jwk: testKey.jwk },
    { jti: randomBytes(12).toString('base64url'), htm: method, htu: url, iat: 1_700_000_000, ...extra },
  )
}

export const ath = (token: string) => createHash('sha256').update(token).digest('base64url')

interface Req {
  server?: ServerName
  actor?: Actor
  method?: string
  url: string
  headers?: Record<string, string>
  params?: Record<string, string>
  status: number
  resHeaders?: Record<string, string>
  resBody?: unknown
  step?: number
}

/** Builds transcripts request by request for check tests. */
export class TranscriptBuilder {
  readonly t = new Transcript(() => 0)
  add(r: Req): Exchange {
    const url = new URL(r.url)
    this.t.currentStep = r.step ?? this.t.currentStep
    return this.t.addExchange({
      server: r.server ?? (url.origin === PDS ? 'pds' : 'as'),
      actor: r.actor ?? 'client',
      request: {
        method: r.method ?? 'POST',
        url: r.url,
        path: url.pathname,
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        params: r.params,
      },
      response: {
        status: r.status,
        headers: Object.fromEntries(Object.entries(r.resHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        body: r.resBody === undefined ? undefined : typeof r.resBody === 'string' ? r.resBody : JSON.stringify(r.resBody),
      },
    })
  }
}

/** Flaws the good flow can be built with, one per check family. */
export interface FlowFlaws {
  noParDpop?: boolean
  plainPkce?: boolean
  wrongVerifier?: boolean
  noState?: boolean
  noAtprotoScope?: boolean
  extraAuthorizeParams?: boolean
  reuseJti?: boolean
  htuWithQuery?: boolean
  typJwt?: boolean
  noAth?: boolean
  athAtAs?: boolean
  switchKeyAtToken?: boolean
  ignoreNonce?: boolean
  loopOnNonce?: boolean
  bearer?: boolean
  reuseCode?: boolean
  reuseRefreshToken?: boolean
  revokeWithoutDpop?: boolean
  promptNone?: boolean
  staleNonce?: boolean
  sharedNonce?: boolean
  extraClaim?: boolean
  badSignature?: boolean
  jsonPar?: boolean
  clientSecret?: boolean
  tokenInUrl?: boolean
  tokenToAs?: boolean
  tokenRedirectMismatch?: boolean
  twoProofs?: boolean
  tokenJsonBody?: boolean
}

/**
 * A complete login as the transcript records it: PAR with a nonce challenge and retry, consent, code exchange,
 * a PDS call with its own nonce challenge, two refreshes and a revocation — with any flaws switched on.
 */
export function goodFlow(flaws: FlowFlaws = {}): Transcript {
  const b = new TranscriptBuilder()
  const key = fakeKey()
  const otherKey = fakeKey()
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const requestUri = 'urn:ietf:params:oauth:request_uri:req-0123456789abcdef0123456789abcdef'
  const code = `cod-${randomBytes(32).toString('hex')}`
  const asNonce = 'A'.repeat(43)
  const pdsNonce = 'P'.repeat(43)
  const parUrl = `${ISSUER}/oauth/par`
  const tokenUrl = `${ISSUER}/oauth/token`
  const typ = flaws.typJwt ? 'JWT' : 'dpop+jwt'
  const mk = (k: TestKey, method: string, url: string, extra: Record<string, unknown> = {}) => {
    signingKeys.set(k.jwk, k.privateKey)
    const claims = { jti: randomBytes(12).toString('base64url'), htm: method, htu: flaws.htuWithQuery ? `${url}?x=1` : url, iat: 1_700_000_000, ...(flaws.extraClaim ? { iss: 'me' } : {}), ...extra }
    const token = jws({ typ, alg: 'ES256', jwk: k.jwk }, claims)
    return flaws.badSignature ? `${token.slice(0, -4)}AAAA` : token
  }
  const parParams = {
    client_id: 'http://localhost',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1:8080/callback',
    scope: flaws.noAtprotoScope ? 'transition:generic' : 'atproto transition:generic',
    ...(flaws.noState ? {} : { state: 'st-abcdefghijklmnopqrstuv' }),
    code_challenge: flaws.plainPkce ? verifier : challenge,
    code_challenge_method: flaws.plainPkce ? 'plain' : 'S256',
    ...(flaws.promptNone ? { prompt: 'none' } : {}),
  }
  const form = { 'content-type': flaws.jsonPar ? 'application/json' : 'application/x-www-form-urlencoded' }
  const firstPar = mk(key, 'POST', parUrl)
  b.add({ url: parUrl, headers: { ...form, ...(flaws.noParDpop ? {} : { dpop: flaws.twoProofs ? `${firstPar}, ${firstPar}` : firstPar }) }, params: parParams, status: 400, resHeaders: { 'dpop-nonce': asNonce }, resBody: { error: 'use_dpop_nonce' } })
  b.add({
    url: parUrl,
    headers: { ...form, ...(flaws.noParDpop ? {} : { dpop: flaws.reuseJti ? firstPar : mk(key, 'POST', parUrl, flaws.ignoreNonce ? {} : { nonce: asNonce }) }) },
    params: parParams,
    status: 201,
    resHeaders: { 'dpop-nonce': asNonce },
    resBody: { request_uri: requestUri, expires_in: 299 },
  })
  const authorizeUrl = `${ISSUER}/oauth/authorize?client_id=http%3A%2F%2Flocalhost&request_uri=${encodeURIComponent(requestUri)}${flaws.extraAuthorizeParams ? '&scope=atproto' : ''}`
  b.add({ actor: 'user-agent', method: 'GET', url: authorizeUrl, status: 200, step: 1 })
  b.add({ actor: 'user-agent', url: `${ISSUER}/oauth/authorize/consent`, params: { request_uri: requestUri }, status: 303, resHeaders: { location: `http://127.0.0.1:8080/callback?state=x&iss=${ISSUER}&code=${code}` } })
  const tokenKey = flaws.switchKeyAtToken ? otherKey : key
  const accessToken = `at-${randomBytes(8).toString('hex')}.x.y`
  const refresh1 = `ref-${randomBytes(8).toString('hex')}`
  const codeParams = {
    grant_type: 'authorization_code',
    code,
    code_verifier: flaws.wrongVerifier ? randomBytes(32).toString('base64url') : verifier,
    client_id: 'http://localhost',
    redirect_uri: flaws.tokenRedirectMismatch ? 'http://127.0.0.1:8080/other' : 'http://127.0.0.1:8080/callback',
    ...(flaws.clientSecret ? { client_secret: 'shh' } : {}),
  }
  const tokenProof = mk(tokenKey, 'POST', tokenUrl, { nonce: asNonce, ...(flaws.athAtAs ? { ath: 'abc' } : {}) })
  const tokenForm = flaws.tokenJsonBody ? { 'content-type': 'application/json' } : form
  b.add({ url: tokenUrl, headers: { ...tokenForm, dpop: tokenProof, ...(flaws.tokenToAs ? { authorization: 'DPoP abc' } : {}) }, params: codeParams, status: 200, resHeaders: { 'dpop-nonce': asNonce }, resBody: { access_token: accessToken, token_type: 'DPoP', refresh_token: refresh1, scope: 'atproto', sub: 'did:plc:abc', expires_in: 3600 } })
  if (flaws.reuseCode) {
    b.add({ url: tokenUrl, headers: { dpop: mk(tokenKey, 'POST', tokenUrl, { nonce: asNonce }) }, params: codeParams, status: 400, resBody: { error: 'invalid_grant', error_description: 'Invalid code' } })
  }
  const pdsUrl = `${PDS}/xrpc/com.atproto.server.getSession`
  if (flaws.tokenInUrl) b.add({ method: 'GET', url: `${PDS}/xrpc/com.atproto.repo.describeRepo?token=${accessToken}`, status: 200, step: 2 })
  const authz = `${flaws.bearer ? 'Bearer' : 'DPoP'} ${accessToken}`
  const pdsProof = (nonce?: string) => mk(key, 'GET', pdsUrl, { ...(flaws.noAth ? {} : { ath: ath(accessToken) }), ...(nonce ? { nonce } : {}) })
  const challenge401 = { 'www-authenticate': 'DPoP algs="ES256", error="use_dpop_nonce"', 'dpop-nonce': pdsNonce }
  b.add({ method: 'GET', url: pdsUrl, headers: { authorization: authz, dpop: pdsProof() }, status: 401, resHeaders: challenge401, resBody: { error: 'use_dpop_nonce' }, step: 2 })
  if (flaws.loopOnNonce) {
    b.add({ method: 'GET', url: pdsUrl, headers: { authorization: authz, dpop: pdsProof(pdsNonce) }, status: 401, resHeaders: challenge401, resBody: { error: 'use_dpop_nonce' } })
    b.add({ method: 'GET', url: pdsUrl, headers: { authorization: authz, dpop: pdsProof(pdsNonce) }, status: 401, resHeaders: challenge401, resBody: { error: 'use_dpop_nonce' } })
  } else {
    const retryNonce = flaws.ignoreNonce ? undefined : flaws.sharedNonce ? asNonce : pdsNonce
    b.add({ method: 'GET', url: pdsUrl, headers: { authorization: authz, dpop: pdsProof(retryNonce) }, status: 200, resHeaders: { 'dpop-nonce': pdsNonce }, resBody: { did: 'did:plc:abc' } })
  }
  const refresh2 = `ref-${randomBytes(8).toString('hex')}`
  const asNonce2 = 'B'.repeat(43)
  const asNonce3 = 'C'.repeat(43)
  b.add({ url: tokenUrl, headers: { dpop: mk(key, 'POST', tokenUrl, { nonce: asNonce }) }, params: { grant_type: 'refresh_token', refresh_token: refresh1, client_id: 'http://localhost' }, status: 200, resHeaders: { 'dpop-nonce': asNonce2 }, resBody: { access_token: `${accessToken}2`, token_type: 'DPoP', refresh_token: refresh2, scope: 'atproto', sub: 'did:plc:abc' }, step: 3 })
  b.add({ url: tokenUrl, headers: { dpop: mk(key, 'POST', tokenUrl, { nonce: asNonce2 }) }, resHeaders: { 'dpop-nonce': asNonce3 }, params: { grant_type: 'refresh_token', refresh_token: flaws.reuseRefreshToken ? refresh1 : refresh2, client_id: 'http://localhost' }, status: flaws.reuseRefreshToken ? 400 : 200, resBody: flaws.reuseRefreshToken ? { error: 'invalid_grant', error_description: 'Refresh token replayed' } : { access_token: `${accessToken}3`, token_type: 'DPoP', refresh_token: `${refresh2}x`, scope: 'atproto', sub: 'did:plc:abc' } })
  const revokeUrl = `${ISSUER}/oauth/revoke`
  b.add({ url: revokeUrl, headers: flaws.revokeWithoutDpop ? {} : { dpop: mk(key, 'POST', revokeUrl, { nonce: flaws.staleNonce ? asNonce : asNonce3 }) }, params: { token: `${refresh2}x`, client_id: 'http://localhost' }, status: 200, resHeaders: { 'dpop-nonce': asNonce3 }, resBody: {}, step: 4 })
  return b.t
}

export function ctx(transcript: Transcript, scenario: Partial<Scenario> = {}): CheckContext {
  return {
    transcript,
    scenario: { id: 't', title: 't', family: 'DPOP', requirements: [], steps: [], expect: { completes: true }, explain: { tests: '', why: '', fix: '' }, ...scenario },
    urls: { issuer: ISSUER, pds: PDS },
  }
}
