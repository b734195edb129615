import { createHash, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { MAX_BODY_BYTES } from '../../model/body.ts'
import { createWorld, type World, type WorldOptions } from '../../harness/world.ts'
import { jwkThumbprint } from '../../protocol/jwk.ts'
import { keyPairSync } from '../../protocol/key-pair.ts'
import { send } from '../helpers/http.ts'
import { CLIENT_ID, REDIRECT_URI, SCOPE, TestClient, type Tokens } from '../helpers/oauth-client.ts'
import { RawHttpClient, type RawOutcome, type RawRequest } from '../helpers/raw-http.ts'

/**
 * Fuzzing the mock servers: every endpoint gets requests built from fast-check recipes (form and JSON bodies,
 * query strings, headers, DPoP proofs with mutated claims, headers, signatures and keys, Authorization headers,
 * huge and truncated inputs) sent byte for byte over a raw socket. The property: the server never answers 5xx
 * (501 for an unknown XRPC method is the reference PDS's deliberate answer), never hangs, always answers an
 * error in its documented shape (OAuth JSON, XRPC JSON, the PLC directory's JSON, or the AS's HTML error pages),
 * records no harness fault, and keeps serving.
 */

type ServerKey = 'as' | 'pds' | 'identity' | 'clientHost'

/** The error shapes a mock endpoint may answer with. */
type Shape = 'oauth' | 'xrpc' | 'plc' | 'html' | 'text' | 'empty-405'

export interface FuzzEndpoint {
  id: string
  server: ServerKey
  method: string
  /** The request path; `:did`, `:nsid` and `:any` are filled from the recipe. */
  path: string
  body: 'form' | 'json' | 'none'
  /** Whether requests carry DPoP proofs. */
  dpop: boolean
  /** Whether requests carry `Authorization: DPoP <token>`. */
  auth: boolean
  /** Parameter names the endpoint reads (form, JSON or query). */
  params: readonly string[]
  /** Error shapes accepted from this endpoint (JSON 404/413/431/429 are accepted everywhere). */
  shapes: readonly Shape[]
}

const AS_FORM = ['client_id', 'client_assertion_type', 'client_assertion', 'dpop_jkt'] as const
const PAR_PARAMS = [...AS_FORM, 'response_type', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'scope', 'state', 'login_hint', 'prompt', 'response_mode']

/** Every route of the mock AS, PDS, identity server and client host. */
export const FUZZ_ENDPOINTS: readonly FuzzEndpoint[] = [
  { id: 'AS GET /.well-known/oauth-authorization-server', server: 'as', method: 'GET', path: '/.well-known/oauth-authorization-server', body: 'none', dpop: false, auth: false, params: [], shapes: ['oauth'] },
  { id: 'AS GET /oauth/jwks', server: 'as', method: 'GET', path: '/oauth/jwks', body: 'none', dpop: false, auth: false, params: [], shapes: ['oauth', 'html'] },
  { id: 'AS POST /oauth/par', server: 'as', method: 'POST', path: '/oauth/par', body: 'form', dpop: true, auth: false, params: PAR_PARAMS, shapes: ['oauth'] },
  { id: 'AS POST /oauth/par (JSON)', server: 'as', method: 'POST', path: '/oauth/par', body: 'json', dpop: true, auth: false, params: PAR_PARAMS, shapes: ['oauth'] },
  { id: 'AS GET /oauth/par', server: 'as', method: 'GET', path: '/oauth/par', body: 'none', dpop: false, auth: false, params: [], shapes: ['empty-405'] },
  { id: 'AS GET /oauth/authorize', server: 'as', method: 'GET', path: '/oauth/authorize', body: 'none', dpop: false, auth: false, params: ['client_id', 'request_uri', ...PAR_PARAMS], shapes: ['html'] },
  { id: 'AS POST /oauth/authorize/consent', server: 'as', method: 'POST', path: '/oauth/authorize/consent', body: 'form', dpop: false, auth: false, params: ['request_uri', 'username', 'password', 'decision'], shapes: ['html'] },
  { id: 'AS POST /oauth/token', server: 'as', method: 'POST', path: '/oauth/token', body: 'form', dpop: true, auth: false, params: [...AS_FORM, 'grant_type', 'code', 'code_verifier', 'redirect_uri', 'refresh_token'], shapes: ['oauth'] },
  { id: 'AS POST /oauth/token (JSON)', server: 'as', method: 'POST', path: '/oauth/token', body: 'json', dpop: true, auth: false, params: [...AS_FORM, 'grant_type', 'code', 'code_verifier', 'redirect_uri', 'refresh_token'], shapes: ['oauth'] },
  { id: 'AS POST /oauth/revoke', server: 'as', method: 'POST', path: '/oauth/revoke', body: 'form', dpop: true, auth: false, params: [...AS_FORM, 'token', 'token_type_hint'], shapes: ['oauth'] },
  { id: 'AS OPTIONS /oauth/token', server: 'as', method: 'OPTIONS', path: '/oauth/token', body: 'none', dpop: false, auth: false, params: [], shapes: ['oauth'] },
  { id: 'AS other paths', server: 'as', method: 'GET', path: ':any', body: 'form', dpop: true, auth: false, params: [], shapes: ['oauth', 'html'] },
  { id: 'PDS GET /.well-known/oauth-protected-resource', server: 'pds', method: 'GET', path: '/.well-known/oauth-protected-resource', body: 'none', dpop: false, auth: false, params: [], shapes: ['xrpc'] },
  { id: 'PDS GET getSession', server: 'pds', method: 'GET', path: '/xrpc/com.atproto.server.getSession', body: 'none', dpop: true, auth: true, params: [], shapes: ['xrpc'] },
  { id: 'PDS POST createRecord', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.repo.createRecord', body: 'json', dpop: true, auth: true, params: ['repo', 'collection', 'record', 'rkey'], shapes: ['xrpc'] },
  { id: 'PDS POST putRecord', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.repo.putRecord', body: 'json', dpop: true, auth: true, params: ['repo', 'collection', 'record', 'rkey'], shapes: ['xrpc'] },
  { id: 'PDS POST deleteRecord', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.repo.deleteRecord', body: 'json', dpop: true, auth: true, params: ['repo', 'collection', 'rkey'], shapes: ['xrpc'] },
  { id: 'PDS POST applyWrites', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.repo.applyWrites', body: 'json', dpop: true, auth: true, params: ['repo', 'writes'], shapes: ['xrpc'] },
  { id: 'PDS POST uploadBlob', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.repo.uploadBlob', body: 'json', dpop: true, auth: true, params: [], shapes: ['xrpc'] },
  { id: 'PDS GET getServiceAuth', server: 'pds', method: 'GET', path: '/xrpc/com.atproto.server.getServiceAuth', body: 'none', dpop: true, auth: true, params: ['aud', 'lxm', 'exp'], shapes: ['xrpc'] },
  { id: 'PDS POST deactivateAccount', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.server.deactivateAccount', body: 'json', dpop: true, auth: true, params: [], shapes: ['xrpc'] },
  { id: 'PDS POST updateHandle', server: 'pds', method: 'POST', path: '/xrpc/com.atproto.identity.updateHandle', body: 'json', dpop: true, auth: true, params: ['handle'], shapes: ['xrpc'] },
  { id: 'PDS GET describeRepo', server: 'pds', method: 'GET', path: '/xrpc/com.atproto.repo.describeRepo', body: 'none', dpop: false, auth: false, params: ['repo'], shapes: ['xrpc'] },
  { id: 'PDS GET resolveHandle', server: 'pds', method: 'GET', path: '/xrpc/com.atproto.identity.resolveHandle', body: 'none', dpop: false, auth: false, params: ['handle'], shapes: ['xrpc'] },
  { id: 'PDS OPTIONS /xrpc/:nsid', server: 'pds', method: 'OPTIONS', path: '/xrpc/:nsid', body: 'none', dpop: false, auth: false, params: [], shapes: ['xrpc'] },
  { id: 'PDS any /xrpc/:nsid', server: 'pds', method: 'POST', path: '/xrpc/:nsid', body: 'json', dpop: true, auth: true, params: [], shapes: ['xrpc'] },
  { id: 'identity GET resolveHandle', server: 'identity', method: 'GET', path: '/xrpc/com.atproto.identity.resolveHandle', body: 'none', dpop: false, auth: false, params: ['handle'], shapes: ['xrpc'] },
  { id: 'identity GET /.well-known/atproto-did', server: 'identity', method: 'GET', path: '/.well-known/atproto-did', body: 'none', dpop: false, auth: false, params: [], shapes: ['text'] },
  { id: 'identity GET /:did (PLC)', server: 'identity', method: 'GET', path: ':did', body: 'none', dpop: false, auth: false, params: [], shapes: ['plc'] },
  { id: 'identity GET /.well-known/did.json', server: 'identity', method: 'GET', path: '/.well-known/did.json', body: 'none', dpop: false, auth: false, params: [], shapes: ['plc'] },
  { id: 'identity GET foreign AS metadata', server: 'identity', method: 'GET', path: '/.well-known/oauth-authorization-server', body: 'none', dpop: false, auth: false, params: [], shapes: ['plc'] },
  { id: 'client host GET /:any', server: 'clientHost', method: 'GET', path: ':any', body: 'none', dpop: false, auth: false, params: [], shapes: ['text'] },
]

// ---------------------------------------------------------------------------------------------------------
// Recipes: what fast-check generates. Values that depend on the World (nonces, tokens, time) are filled in
// when the request is built, so a recipe replays the same way while shrinking.

type Value =
  | { k: 'valid' }
  | { k: 'text'; v: string }
  | { k: 'json'; v: unknown }
  | { k: 'huge'; size: number }

type ProofRecipe = {
  key: 'good' | 'other' | 'private' | 'wrong-crv' | 'missing' | 'not-object' | 'oct' | 'random'
  randomJwk: unknown
  typ: { k: 'ok' } | { k: 'drop' } | { k: 'set'; v: unknown }
  alg: { k: 'ok' } | { k: 'drop' } | { k: 'set'; v: unknown }
  set: [string, ClaimValue][]
  drop: string[]
  nonce: 'current' | 'none' | 'stale' | 'garbage'
  signature: 'ok' | 'flip' | 'truncate' | 'empty' | 'garbage' | 'other-key'
  shape: 'ok' | 'cut' | 'extra-part' | 'two-parts' | 'not-b64' | 'two-headers' | 'comma' | 'empty' | 'spaces' | 'huge'
  cutAt: number
}
type ClaimValue = { k: 'json'; v: unknown } | { k: 'iat'; offset: number } | { k: 'htu'; v: 'query' | 'fragment' | 'other-origin' | 'upper' | 'trailing-slash' } | { k: 'htm'; v: string }

type AuthRecipe = {
  scheme: string
  sep: string
  token: 'valid' | 'forged' | 'garbage' | 'empty' | 'cut' | 'other-dots'
  twice: boolean
}

export interface Recipe {
  method?: string
  segment: string
  query: [string, Value][]
  rawQuery?: string
  contentType: { k: 'natural' } | { k: 'none' } | { k: 'set'; v: string }
  body:
    | { k: 'params'; params: [string, Value][]; encoding: 'urlencoded' | 'raw' }
    | { k: 'json-object'; params: [string, Value][] }
    | { k: 'json-value'; v: unknown }
    | { k: 'text'; v: string }
    | { k: 'none' }
  proof: ProofRecipe | null
  auth: AuthRecipe | null
  headers: [string, string][]
  framing: 'plain' | 'huge-body' | 'huge-header' | 'huge-query' | 'truncated' | 'chunked' | 'bad-chunked' | 'length-mismatch'
  truncateAt: number
}

// Visible ASCII, a few odd characters and non-ASCII, never CR/LF (those would split the request framing).
const odd = fc.constantFrom('', ' ', '%', '%zz', '%E0%A4%A', '%00', '\u0000', '\t', 'null', '[]', '{}', 'undefined', '__proto__', 'constructor', '🙂', 'é', '../..', '\\', '"', "'", '<script>', '&&&', '===', '+')
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: odd },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 3000 }) },
)
const headerSafe = (s: string) => s.replace(/[\r\n]/g, '')

/** A parameter value: the valid one for the World, text, a JSON value (JSON bodies), or a huge string (bodies). */
function valueArb(json: boolean, huge = true): fc.Arbitrary<Value> {
  const arbs: fc.WeightedArbitrary<Value>[] = [
    { weight: 3, arbitrary: fc.constant({ k: 'valid' as const }) },
    { weight: 4, arbitrary: text.map((v) => ({ k: 'text' as const, v })) },
  ]
  if (huge) arbs.push({ weight: 1, arbitrary: fc.integer({ min: 4096, max: 200_000 }).map((size) => ({ k: 'huge' as const, size })) })
  if (json) arbs.push({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ k: 'json' as const, v })) })
  return fc.oneof(...arbs)
}

/**
 * Parameters: near-valid (every known parameter valid, then at most two of them dropped, replaced or
 * duplicated, so requests reach the deep checks) or wild (any subset, any values, unknown names).
 */
function paramsArb(names: readonly string[], json: boolean, huge = true): fc.Arbitrary<[string, Value][]> {
  const valid = names.map((n) => [n, { k: 'valid' }] as [string, Value])
  const mutation = fc.tuple(fc.constantFrom('drop', 'replace', 'duplicate'), fc.nat(), valueArb(json, huge))
  const nearValid = fc.array(mutation, { maxLength: 2 }).map((ms) => {
    let out = [...valid]
    for (const [what, i, v] of ms) {
      if (out.length === 0) break
      const at = i % out.length
      const name = out[at]![0]
      if (what === 'drop') out = out.filter((_, j) => j !== at)
      else if (what === 'replace') out[at] = [name, v]
      else out.push([name, v])
    }
    return out
  })
  const name = names.length > 0 ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text }) : text
  const known = names.length > 0 ? fc.subarray([...names]).chain((picked) => fc.tuple(...picked.map((n) => fc.tuple(fc.constant(n), valueArb(json, huge))))) : fc.constant([])
  const extra = fc.array(fc.tuple(name, valueArb(json, huge)), { maxLength: 4 })
  const wild = fc.tuple(known, extra).map(([a, b]) => [...(a as [string, Value][]), ...b])
  return names.length > 0 ? fc.oneof({ weight: 3, arbitrary: nearValid }, { weight: 2, arbitrary: wild }) : wild
}

const CLAIMS = ['jti', 'htm', 'htu', 'iat', 'nonce', 'ath', 'exp', 'nbf']
const claimValue: fc.Arbitrary<ClaimValue> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ k: 'json' as const, v })),
  fc.integer({ min: -400, max: 400 }).map((offset) => ({ k: 'iat' as const, offset })),
  fc.constantFrom('query', 'fragment', 'other-origin', 'upper', 'trailing-slash').map((v) => ({ k: 'htu' as const, v: v as never })),
  fc.constantFrom('get', 'POST', 'GET', 'PUT', '').map((v) => ({ k: 'htm' as const, v })),
)

const wildProof: fc.Arbitrary<ProofRecipe> = fc.record({
  key: fc.constantFrom('good', 'good', 'good', 'other', 'private', 'wrong-crv', 'missing', 'not-object', 'oct', 'random'),
  randomJwk: fc.jsonValue({ maxDepth: 2 }),
  typ: fc.oneof({ weight: 6, arbitrary: fc.constant({ k: 'ok' as const }) }, fc.constant({ k: 'drop' as const }), fc.jsonValue({ maxDepth: 1 }).map((v) => ({ k: 'set' as const, v }))),
  alg: fc.oneof(
    { weight: 6, arbitrary: fc.constant({ k: 'ok' as const }) },
    fc.constant({ k: 'drop' as const }),
    fc.constantFrom<unknown>('none', 'HS256', 'RS256', 'ES384', 'EdDSA', 'ES256K', 'PS256', 'es256', 7, null).map((v) => ({ k: 'set' as const, v })),
  ),
  set: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...CLAIMS), text), claimValue), { maxLength: 3 }),
  drop: fc.subarray(CLAIMS, { maxLength: 2 }),
  nonce: fc.constantFrom('current', 'current', 'current', 'none', 'stale', 'garbage'),
  signature: fc.constantFrom('ok', 'ok', 'ok', 'flip', 'truncate', 'empty', 'garbage', 'other-key'),
  shape: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'cut', 'extra-part', 'two-parts', 'not-b64', 'two-headers', 'comma', 'empty', 'spaces', 'huge'),
  cutAt: fc.nat({ max: 600 }),
})

const GOOD_PROOF: ProofRecipe = { key: 'good', randomJwk: null, typ: { k: 'ok' }, alg: { k: 'ok' }, set: [], drop: [], nonce: 'current', signature: 'ok', shape: 'ok', cutAt: 0 }

/** A proof: well formed (half the time with a current nonce and nothing else wrong), or mutated anywhere. */
const proofArb: fc.Arbitrary<ProofRecipe> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(GOOD_PROOF) },
  { weight: 3, arbitrary: wildProof },
)

const wildAuth: fc.Arbitrary<AuthRecipe> = fc.record({
  scheme: fc.oneof({ weight: 6, arbitrary: fc.constant('DPoP') }, fc.constantFrom('Bearer', 'dpop', 'DPOP', 'Basic', 'Negotiate', ''), text.map(headerSafe)),
  sep: fc.constantFrom(' ', ' ', ' ', '  ', '', '\t', ' x '),
  token: fc.constantFrom('valid', 'valid', 'valid', 'forged', 'garbage', 'empty', 'cut', 'other-dots'),
  twice: fc.boolean(),
})
const authArb: fc.Arbitrary<AuthRecipe> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<AuthRecipe>({ scheme: 'DPoP', sep: ' ', token: 'valid', twice: false }) },
  { weight: 1, arbitrary: wildAuth },
)

const headerName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Content-Type', 'Content-Length', 'Transfer-Encoding', 'Host', 'DPoP', 'Authorization', 'Origin', 'Accept', 'Cookie', 'X-Conformance-Actor', 'Expect', 'Connection', 'Access-Control-Request-Headers') },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/) },
  { weight: 1, arbitrary: text },
)
/** Extra header lines: none most of the time, else one or two with any name and value (never CR/LF). */
const headersArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
  { weight: 1, arbitrary: fc.array(fc.tuple(headerName, text).map(([k, v]) => [headerSafe(k), headerSafe(v)] as [string, string]), { minLength: 1, maxLength: 2 }) },
)

/** `arb` in `yes` runs out of `yes + no`, undefined in the others. */
function sometimes<T>(arb: fc.Arbitrary<T>, yes: number, no: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: yes, arbitrary: arb }, { weight: no, arbitrary: fc.constant(undefined) })
}

/** The recipe arbitrary of one endpoint. */
export function recipeArb(ep: FuzzEndpoint): fc.Arbitrary<Recipe> {
  const json = ep.body === 'json'
  const body: fc.Arbitrary<Recipe['body']> =
    ep.body === 'none'
      ? fc.oneof({ weight: 6, arbitrary: fc.constant({ k: 'none' as const }) }, text.map((v) => ({ k: 'text' as const, v })))
      : fc.oneof(
          { weight: json ? 1 : 6, arbitrary: fc.record({ k: fc.constant('params' as const), params: paramsArb(ep.params, false), encoding: fc.constantFrom('urlencoded' as const, 'urlencoded' as const, 'raw' as const) }) },
          { weight: json ? 6 : 1, arbitrary: fc.record({ k: fc.constant('json-object' as const), params: paramsArb(ep.params, true) }) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ k: 'json-value' as const, v })) },
          { weight: 1, arbitrary: text.map((v) => ({ k: 'text' as const, v })) },
          { weight: 1, arbitrary: fc.constant({ k: 'none' as const }) },
        )
  return fc.record({
    method: sometimes(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'BREW', 'get'), 1, 11),
    segment: fc.oneof(
      fc.constantFrom('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', 'did%3Aplc%3Aabc', '%25E0', '%E0%A4%A', 'did:web:x', '..', '%2F%2F', 'oauth/x', 'com.atproto.x.y', '.well-known/x', 'oauth/par/x', 'xrpc'),
      fc.webPath().map((p) => p.replace(/^\//, '')),
      text.map((s) => encodeURIComponent(s)),
    ),
    // No huge values in the query: past 16 KiB of head Node answers 431 before any handler (huge-query does that).
    query: ep.method === 'GET' ? paramsArb(ep.params, false, false) : fc.array(fc.tuple(text, valueArb(false, false)), { maxLength: 2 }),
    // Raw query text: mostly percent-encoded where a client would, sometimes control and non-ASCII bytes as they are.
    rawQuery: sometimes(
      fc.oneof(
        { weight: 1, arbitrary: odd },
        { weight: 2, arbitrary: fc.webQueryParameters() },
        { weight: 2, arbitrary: text.map((s) => s.replace(/[^\x21-\x7e]|#/gu, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''))) },
      ),
      1,
      5,
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant({ k: 'natural' as const }) },
      { weight: 1, arbitrary: fc.constant({ k: 'none' as const }) },
      {
        weight: 2,
        arbitrary: fc
          .oneof(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'multipart/form-data; boundary=x', 'application/jwt', ';', 'application/json; charset=latin1'), text.map(headerSafe))
          .map((v) => ({ k: 'set' as const, v })),
      },
    ),
    body,
    proof: ep.dpop ? fc.oneof({ weight: 7, arbitrary: proofArb }, { weight: 1, arbitrary: fc.constant(null) }) : fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: proofArb }),
    auth: ep.auth ? fc.oneof({ weight: 7, arbitrary: authArb }, { weight: 1, arbitrary: fc.constant(null) }) : fc.constant(null),
    headers: headersArb,
    framing: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'plain', 'huge-body', 'huge-header', 'huge-query', 'truncated', 'chunked', 'bad-chunked', 'length-mismatch'),
    truncateAt: fc.nat({ max: 4000 }),
  })
}

// ---------------------------------------------------------------------------------------------------------
// The World a fuzz run talks to, with what "valid" values need.

export interface FuzzContext {
  world: World
  origins: Record<ServerKey, string>
  clients: Map<string, RawHttpClient>
  key: { privateKey: KeyObject; jwk: Record<string, unknown> }
  other: { privateKey: KeyObject; jwk: Record<string, unknown> }
  p384: { jwk: Record<string, unknown> }
  tokens: Tokens
  requestUri: string
  code: string
  verifier: string
  challenge: string
  staleNonce: string
}

function ecKey(curve: 'P-256' | 'P-384') {
  const { privateKey, publicJwk } = keyPairSync({ type: 'ec', namedCurve: curve })
  return { privateKey, jwk: publicJwk as Record<string, unknown> }
}

/** A World (unlimited requests) with a logged-in session, a pending PAR request and keys for proofs. */
export async function createFuzzContext(options: WorldOptions = {}): Promise<FuzzContext> {
  const world = await createWorld(options)
  const client = await TestClient.create(world)
  const { tokens, pkce, code } = await client.login()
  const par = await client.par()
  if (par.res.status !== 201) throw new Error(`fuzz setup: PAR refused ${par.res.text}`)
  return {
    world,
    origins: { as: world.urls.issuer, pds: world.urls.pds, identity: world.urls.identity, clientHost: world.urls.clientHost },
    clients: new Map(),
    key: ecKey('P-256'),
    other: ecKey('P-256'),
    p384: ecKey('P-384'),
    tokens,
    requestUri: par.requestUri,
    code,
    verifier: pkce.verifier,
    challenge: pkce.challenge,
    staleNonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  }
}

export async function closeFuzzContext(ctx: FuzzContext): Promise<void> {
  for (const c of ctx.clients.values()) c.close()
  await ctx.world.close()
}

function validValue(ctx: FuzzContext, name: string): string {
  const { plc } = ctx.world.accounts
  const values: Record<string, string> = {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    code_challenge: ctx.challenge,
    code_challenge_method: 'S256',
    scope: SCOPE,
    state: 'fuzz-state',
    login_hint: plc.handle,
    prompt: 'consent',
    response_mode: 'query',
    grant_type: 'authorization_code',
    code: ctx.code,
    code_verifier: ctx.verifier,
    refresh_token: ctx.tokens.refresh_token,
    token: ctx.tokens.access_token,
    token_type_hint: 'access_token',
    request_uri: ctx.requestUri,
    dpop_jkt: jwkThumbprint(ctx.key.jwk)!,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln',
    username: plc.handle,
    password: plc.password,
    decision: 'approve',
    handle: plc.handle,
    repo: plc.did,
    collection: 'app.bsky.feed.post',
    rkey: 'self',
  }
  return values[name] ?? 'x'
}

function render(ctx: FuzzContext, name: string, v: Value): string {
  switch (v.k) {
    case 'valid':
      return validValue(ctx, name)
    case 'text':
      return v.v
    case 'json':
      return typeof v.v === 'string' ? v.v : JSON.stringify(v.v)
    case 'huge':
      return 'a'.repeat(v.size)
  }
}

function renderJson(ctx: FuzzContext, name: string, v: Value): unknown {
  if (v.k === 'json') return v.v
  if (name === 'record' && v.k === 'valid') return { $type: 'app.bsky.feed.post', text: 'fuzz', createdAt: '2026-01-01T00:00:00Z' }
  return render(ctx, name, v)
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')
const athOf = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url')

function nonceFor(ctx: FuzzContext, server: ServerKey): string | undefined {
  const manager = server === 'pds' ? ctx.world.pds.deps.nonces : ctx.world.as.deps.nonces
  return manager?.next()
}

/** Builds and signs the DPoP proof of a recipe (ES256 with node:crypto), then mutates it. */
function buildProof(ctx: FuzzContext, ep: FuzzEndpoint, r: ProofRecipe, method: string, htu: string, token: string | undefined): string[] {
  const header: Record<string, unknown> = { typ: 'dpop+jwt', alg: 'ES256' }
  const jwk: Record<string, Record<string, unknown> | undefined> = {
    good: ctx.key.jwk,
    other: ctx.other.jwk,
    private: { ...ctx.key.jwk, d: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    'wrong-crv': ctx.p384.jwk,
    missing: undefined,
    oct: { kty: 'oct', k: 'c2VjcmV0' },
  }
  if (r.key === 'not-object') header.jwk = 'not-a-key'
  else if (r.key === 'random') header.jwk = r.randomJwk
  else if (jwk[r.key]) header.jwk = jwk[r.key]
  if (r.typ.k === 'drop') delete header.typ
  if (r.typ.k === 'set') header.typ = r.typ.v
  if (r.alg.k === 'drop') delete header.alg
  if (r.alg.k === 'set') header.alg = r.alg.v
  const now = Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = { jti: randomUUID(), htm: method, htu, iat: now }
  const nonce = { current: nonceFor(ctx, ep.server), none: undefined, stale: ctx.staleNonce, garbage: '\u0000nonce' }[r.nonce]
  if (nonce !== undefined) payload.nonce = nonce
  if (token !== undefined) payload.ath = athOf(token)
  for (const [name, value] of r.set) {
    if (value.k === 'json') payload[name] = value.v
    else if (value.k === 'iat') payload[name] = now + value.offset
    else if (value.k === 'htm') payload[name] = value.v
    else {
      const u = new URL(htu)
      payload[name] = { query: `${htu}?a=1`, fragment: `${htu}#f`, 'other-origin': `http://127.0.0.2:${u.port}${u.pathname}`, upper: htu.toUpperCase(), 'trailing-slash': `${htu}/` }[value.v]
    }
  }
  for (const name of r.drop) delete payload[name]
  const input = `${b64json(header)}.${b64json(payload)}`
  const signer = r.signature === 'other-key' ? ctx.other.privateKey : ctx.key.privateKey
  let sig = cryptoSign('sha256', Buffer.from(input), { key: signer, dsaEncoding: 'ieee-p1363' })
  if (r.signature === 'flip') sig = Buffer.from(sig.map((b, i) => (i === r.cutAt % sig.length ? b ^ 0x01 : b)))
  if (r.signature === 'truncate') sig = sig.subarray(0, r.cutAt % sig.length)
  if (r.signature === 'empty') sig = Buffer.alloc(0)
  let proof = `${input}.${r.signature === 'garbage' ? '!!not-base64!!' : sig.toString('base64url')}`
  switch (r.shape) {
    case 'ok':
      return [proof]
    case 'cut':
      return [proof.slice(0, r.cutAt % proof.length)]
    case 'extra-part':
      return [`${proof}.x`]
    case 'two-parts':
      return [input]
    case 'not-b64':
      return [proof.replace(/[A-Za-z]/, '*')]
    case 'two-headers':
      return [proof, proof]
    case 'comma':
      return [`${proof}, ${proof}`]
    case 'empty':
      return ['']
    case 'spaces':
      return [`  ${proof}  `]
    case 'huge':
      proof = `${proof}${'A'.repeat(12_000)}`
      return [proof]
  }
}

function buildAuth(ctx: FuzzContext, r: AuthRecipe): { headers: string[]; token: string | undefined } {
  const valid = ctx.tokens.access_token
  const [h, p] = valid.split('.')
  const token = {
    valid,
    forged: `${h}.${p}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    garbage: 'not a token',
    empty: '',
    cut: valid.slice(0, 30),
    'other-dots': 'a.b.c.d',
  }[r.token]
  const value = headerSafe(`${r.scheme}${r.sep}${token}`)
  return { headers: r.twice ? [value, value] : [value], token: r.token === 'valid' ? valid : token }
}

/** A request built from a recipe, and how its answer is judged. */
export interface BuiltRequest {
  origin: string
  request: RawRequest
  /** A malformed or truncated request may be answered by closing the connection. */
  mayClose: boolean
  /** The framing may leave bytes the server reads as a second request: use a fresh connection afterwards. */
  poisonsConnection: boolean
}

/** Turns a recipe into bytes for one endpoint. */
export function buildRequest(ctx: FuzzContext, ep: FuzzEndpoint, r: Recipe): BuiltRequest {
  const origin = ctx.origins[ep.server]
  const method = r.method ?? ep.method
  const path = ep.path === ':did' || ep.path === ':any' ? `/${r.segment}` : ep.path.replace(':nsid', r.segment.replace(/\//g, '') || 'x')
  const query = new URLSearchParams(r.query.map(([k, v]) => [k, render(ctx, k, v)])).toString()
  let target = `${path}${query ? `?${query}` : ''}${r.rawQuery !== undefined ? `${query ? '&' : '?'}${r.rawQuery}` : ''}`
  if (r.framing === 'huge-query') target += `${target.includes('?') ? '&' : '?'}q=${'x'.repeat(20_000)}`
  const headers: [string, string][] = [['Host', new URL(origin).host]]
  let body: Buffer | undefined
  let natural: string | undefined
  switch (r.body.k) {
    case 'params': {
      const pairs = r.body.params.map(([k, v]) => [k, render(ctx, k, v)] as [string, string])
      const text = r.body.encoding === 'raw' ? pairs.map(([k, v]) => `${k}=${v}`).join('&') : new URLSearchParams(pairs).toString()
      body = Buffer.from(text)
      natural = 'application/x-www-form-urlencoded'
      break
    }
    case 'json-object': {
      const obj: Record<string, unknown> = {}
      for (const [k, v] of r.body.params) obj[k] = renderJson(ctx, k, v)
      body = Buffer.from(JSON.stringify(obj))
      natural = 'application/json'
      break
    }
    case 'json-value':
      body = Buffer.from(JSON.stringify(r.body.v) ?? 'null')
      natural = 'application/json'
      break
    case 'text':
      body = Buffer.from(r.body.v)
      natural = 'text/plain'
      break
    case 'none':
      break
  }
  if (r.framing === 'huge-body') {
    body = Buffer.alloc(MAX_BODY_BYTES + 1 + (r.truncateAt % 1000), 'a')
    natural ??= 'application/x-www-form-urlencoded'
  }
  if (r.contentType.k === 'natural' && natural) headers.push(['Content-Type', natural])
  if (r.contentType.k === 'set') headers.push(['Content-Type', r.contentType.v])
  const auth = r.auth ? buildAuth(ctx, r.auth) : undefined
  for (const value of auth?.headers ?? []) headers.push(['Authorization', value])
  if (r.proof) {
    const htu = `${ep.server === 'as' ? ctx.world.urls.issuer : origin}${path}`
    for (const proof of buildProof(ctx, ep, r.proof, method, htu, auth?.token)) headers.push(['DPoP', proof])
  }
  headers.push(['X-Conformance-Actor', 'client'], ...r.headers)
  if (r.framing === 'huge-header') headers.push(['X-Padding', 'p'.repeat(20_000)])
  let truncateAt: number | undefined
  if (r.framing === 'chunked' || r.framing === 'bad-chunked') {
    const chunks = body ?? Buffer.alloc(0)
    headers.push(['Transfer-Encoding', 'chunked'])
    body =
      r.framing === 'chunked'
        ? Buffer.concat([chunks.length ? Buffer.concat([Buffer.from(`${chunks.length.toString(16)}\r\n`), chunks, Buffer.from('\r\n')]) : Buffer.alloc(0), Buffer.from('0\r\n\r\n')])
        : Buffer.concat([Buffer.from('zz\r\n'), chunks, Buffer.from('\r\n')])
  }
  if (r.framing === 'length-mismatch') headers.push(['Content-Length', String(Math.max(0, (body?.length ?? 0) - 1 - (r.truncateAt % 5)))])
  const explicitFraming = r.headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k.trim()))
  if (r.framing === 'truncated') truncateAt = r.truncateAt % ((body?.length ?? 0) + 200)
  // A made-up Content-Length may announce more than is sent: end the request so the server stops waiting.
  else if (explicitFraming) truncateAt = Number.MAX_SAFE_INTEGER
  return {
    origin,
    request: { method, target, headers, body, truncateAt },
    mayClose: !['plain', 'chunked'].includes(r.framing) || explicitFraming,
    poisonsConnection: r.framing !== 'plain' || explicitFraming,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Judging one answer.

function isJsonType(headers: Record<string, string[]>): boolean {
  return /^application\/json/i.test(headers['content-type']?.[0] ?? '')
}

/**
 * Whether an answer is acceptable; returns what is wrong, or undefined. Acceptable: any 1xx–4xx (and the PDS's
 * 501 MethodNotImplemented) whose error body is well formed: JSON with a string `error` (OAuth or XRPC; the
 * identity server's PLC-style `{message}` too), the AS's HTML error pages where the reference answers HTML
 * (authorize, consent, unknown `/oauth/*` paths), `text/plain` where the endpoint serves text, or an empty 405.
 */
export function judgeAnswer(ep: FuzzEndpoint, built: BuiltRequest, outcome: RawOutcome): string | undefined {
  if (outcome.kind === 'timeout') return `no answer within the time limit (got ${JSON.stringify(outcome.partial)})`
  if (outcome.kind === 'closed') return built.mayClose || built.request.truncateAt !== undefined ? undefined : `connection closed without an answer (${JSON.stringify(outcome.partial)})`
  const { status, headers, text } = outcome.response
  const { method, target } = built.request
  const path = target.split('?')[0]!
  const where = `${method} ${target.slice(0, 120)} → ${status} ${text.slice(0, 200)}`
  if (!(status >= 100 && status < 600)) return `malformed status line: ${where}`
  const type = headers['content-type']?.[0] ?? ''
  const json = /^application\/json/i.test(type)
  let body: unknown
  if (json && text !== '') {
    try {
      body = JSON.parse(text)
    } catch {
      return `a JSON content-type with a body that is not JSON: ${where}`
    }
  }
  const obj = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined) as Record<string, unknown> | undefined
  // The reference PDS answers an unknown XRPC method (any HTTP method on /xrpc/<nsid> it does not route) so.
  if (status === 501 && ep.server === 'pds' && path.startsWith('/xrpc/') && (obj?.error === 'MethodNotImplemented' || method === 'HEAD')) return undefined
  if (status >= 500) return `5xx: ${where}`
  if (status < 400 || method === 'HEAD') return undefined
  if (json) {
    if (!obj) return `a JSON error that is not an object: ${where}`
    const stringOrAbsent = (k: string) => obj[k] === undefined || typeof obj[k] === 'string'
    if (typeof obj.error === 'string' && stringOrAbsent('error_description') && stringOrAbsent('message')) return undefined
    if (ep.server === 'identity' && typeof obj.message === 'string') return undefined
    return `a JSON error without a string "error": ${where}`
  }
  if (/^text\/html/i.test(type) && /<html[\s>]/i.test(text) && /<\/html>\s*$/i.test(text)) {
    // reference §2, §4: the AS's authorize and consent pages, and Express's 404 page for any path the AS or the
    // PDS has no route for (the OAuth routes match exactly: no trailing slash, no other case, no HEAD).
    const htmlHere = ep.shapes.includes('html') || ((ep.server === 'as' || ep.server === 'pds') && status === 404)
    return htmlHere ? undefined : `an HTML error from an endpoint that answers JSON: ${where}`
  }
  if (/^text\/plain/i.test(type) && text.length > 0 && ep.shapes.includes('text')) return undefined
  // reference §2: `GET /oauth/par` is a bare 405.
  if (status === 405 && text === '' && ep.server === 'as' && path === '/oauth/par') return undefined
  return `an error that is not a well-formed OAuth/XRPC error: ${where} (content-type ${type || 'none'})`
}

/** Sends one recipe and judges the answer; also fails on any harness fault the mocks recorded. */
export async function fuzzOnce(ctx: FuzzContext, ep: FuzzEndpoint, r: Recipe): Promise<string | undefined> {
  const built = buildRequest(ctx, ep, r)
  const faultsBefore = ctx.world.harnessFaults.length
  let client = ctx.clients.get(ep.id)
  if (!client) ctx.clients.set(ep.id, (client = new RawHttpClient(built.origin)))
  const outcome = await client.send(built.request)
  if (built.poisonsConnection || built.request.truncateAt !== undefined) client.close()
  const problem = judgeAnswer(ep, built, outcome)
  if (problem) return problem
  const fault = ctx.world.harnessFaults[faultsBefore]
  if (fault) return `harness fault in ${fault.where}: ${(fault.error as Error)?.stack ?? fault.error}`
  return undefined
}

/** Problems found by a health check of a World after fuzzing: every server still answers a good request. */
export async function stillServing(world: World): Promise<string[]> {
  const problems: string[] = []
  const client = await TestClient.create(world)
  const par = await client.par()
  if (par.res.status !== 201) problems.push(`AS: a good PAR got ${par.res.status} ${par.res.text}`)
  const prm = await send(`${world.urls.pds}/.well-known/oauth-protected-resource`)
  if (prm.status !== 200) problems.push(`PDS: protected-resource metadata got ${prm.status}`)
  const handle = await send(`${world.urls.identity}/xrpc/com.atproto.identity.resolveHandle?handle=alice.test`)
  if (handle.status !== 200) problems.push(`identity: resolveHandle got ${handle.status}`)
  for (const f of world.harnessFaults) problems.push(`harness fault in ${f.where}: ${(f.error as Error)?.message ?? f.error}`)
  return problems
}

/** Runs `runs` fuzz requests against one endpoint (fast-check, seeded when `seed` is given); throws on a counterexample. */
export async function fuzzEndpoint(ctx: FuzzContext, ep: FuzzEndpoint, runs: number, seed?: number): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(recipeArb(ep), async (r) => {
      const problem = await fuzzOnce(ctx, ep, r)
      if (problem) throw new Error(`${ep.id}: ${problem}`)
    }),
    { numRuns: runs, seed },
  )
  if (details.failed) {
    const cause = (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance)
    throw new Error(`${cause}\n  seed ${details.seed}, path ${details.counterexamplePath}, after ${details.numRuns} runs\n  recipe ${JSON.stringify(details.counterexample?.[0])?.slice(0, 2000)}`)
  }
}
