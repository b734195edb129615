/**
 * PAR request variants: each parameter missing, empty, duplicated, of another case, charset or encoding;
 * OAuth and OIDC parameters the AS does not expect; client authentication it does not expect; other bodies
 * and content types. Enumerated one by one, then combined by fast-check with a fixed seed.
 */
import { randomBytes } from 'node:crypto'
import { Agent } from '../agent.ts'
import { sampledCombinations, SEED, type Case } from '../case.ts'

type Params = Record<string, string | undefined>
/** A change to the PAR: its name (part of the case id) and what it does to the parameters and the body. */
interface Mutation {
  name: string
  params?: (p: Params) => Params
  /** The body as sent, given the parameters (default: form-encoded). */
  body?: (p: Params) => { contentType?: string; body: string }
  headers?: Record<string, string>
}

const PARAMS = ['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const

function without(p: Params, name: string): Params {
  const out = { ...p }
  delete out[name]
  return out
}

function pairs(p: Params): [string, string][] {
  return Object.entries(p).filter((e): e is [string, string] => e[1] !== undefined)
}

function formOf(entries: [string, string][]): string {
  return new URLSearchParams(entries).toString()
}

const valueMutations: [string, (v: string) => string][] = [
  ['empty', () => ''],
  ['upper', (v) => v.toUpperCase()],
  ['padded', (v) => ` ${v} `],
  ['unicode', (v) => `${v}é`],
  ['nul', (v) => `${v}\u0000`],
  ['long', (v) => v + 'x'.repeat(2048)],
]

function perParameter(): Mutation[] {
  const out: Mutation[] = []
  for (const name of PARAMS) {
    out.push({ name: `${name}-missing`, params: (p) => without(p, name) })
    for (const [kind, f] of valueMutations) out.push({ name: `${name}-${kind}`, params: (p) => ({ ...p, [name]: f(p[name] ?? '') }) })
    out.push({
      name: `${name}-duplicated`,
      body: (p) => ({ body: formOf([...pairs(p), [name, p[name] ?? '']]) }),
    })
    out.push({
      name: `${name}-duplicated-other`,
      body: (p) => ({ body: formOf([...pairs(p), [name, `${p[name] ?? ''}2`]]) }),
    })
    out.push({
      name: `${name}-json-array`,
      body: (p) => ({ contentType: 'application/json', body: JSON.stringify({ ...p, [name]: [p[name]] }) }),
    })
    out.push({
      name: `${name}-json-number`,
      body: (p) => ({ contentType: 'application/json', body: JSON.stringify({ ...p, [name]: 42 }) }),
    })
  }
  return out
}

/** Parameters an AS may meet from generic OAuth or OIDC libraries, with values such libraries send. */
const UNEXPECTED: [string, string][] = [
  ['nonce', 'n-0S6_WzA2Mj'],
  ['prompt', 'login'],
  ['prompt', 'consent'],
  ['prompt', 'none'],
  ['prompt', 'select_account'],
  ['prompt', 'create'],
  ['prompt', 'bogus'],
  ['display', 'popup'],
  ['max_age', '0'],
  ['max_age', 'soon'],
  ['ui_locales', 'fr-CA fr en'],
  ['claims', '{"id_token":{"email":null}}'],
  ['acr_values', 'urn:mace:incommon:iap:silver'],
  ['id_token_hint', 'eyJhbGciOiJub25lIn0.e30.'],
  ['request', 'eyJhbGciOiJub25lIn0.e30.'],
  ['request_uri', 'urn:ietf:params:oauth:request_uri:req-0000'],
  ['response_mode', 'query'],
  ['response_mode', 'fragment'],
  ['response_mode', 'form_post'],
  ['response_mode', 'web_message'],
  ['response_mode', 'jwt'],
  ['login_hint', 'alice.test'],
  ['login_hint', 'did:plc:notaknownaccount000000'],
  ['login_hint', ''],
  ['login_hint', 'not a handle'],
  ['dpop_jkt', 'not-the-key-thumbprint'],
  ['resource', 'http://localhost/'],
  ['audience', 'did:web:localhost'],
  ['access_type', 'offline'],
  ['include_granted_scopes', 'true'],
  ['authorization_details', '[{"type":"x"}]'],
  ['code_challenge_method', 'plain'],
  ['response_type', 'code id_token'],
  ['response_type', 'token'],
  ['response_type', 'id_token'],
  ['scope', 'atproto'],
  ['scope', 'openid atproto transition:generic'],
  ['scope', 'atproto transition:generic transition:chat.bsky'],
  ['scope', 'atproto  transition:generic'],
  ['scope', 'transition:generic atproto'],
  ['redirect_uri', 'http://127.0.0.1:8080/callback/'],
  ['redirect_uri', 'http://127.0.0.1:8081/callback'],
  ['redirect_uri', 'http://localhost:8080/callback'],
  ['redirect_uri', 'http://127.0.0.1:8080/callback?x=1'],
  ['redirect_uri', 'http://127.0.0.1:8080/callback#frag'],
  ['redirect_uri', 'https://127.0.0.1:8080/callback'],
  ['state', 'a'.repeat(1024)],
  ['code_challenge', 'short'],
  ['code_challenge', 'x'.repeat(129)],
  ['code_challenge', 'not base64url!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'],
]

function unexpected(): Mutation[] {
  return UNEXPECTED.map(([name, value], i) => ({
    name: `set-${name}-${i}`,
    params: (p) => ({ ...p, [name]: value }),
  }))
}

function clientAuthentication(): Mutation[] {
  return [
    { name: 'client-secret', params: (p) => ({ ...p, client_secret: 'secret' }) },
    { name: 'client-secret-empty', params: (p) => ({ ...p, client_secret: '' }) },
    {
      name: 'client-assertion',
      params: (p) => ({
        ...p,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
      }),
    },
    { name: 'client-assertion-type-only', params: (p) => ({ ...p, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }) },
    { name: 'basic-auth', headers: { authorization: `Basic ${Buffer.from('http://localhost:secret').toString('base64')}` } },
    { name: 'bearer-auth', headers: { authorization: 'Bearer abc' } },
  ]
}

function bodies(): Mutation[] {
  return [
    { name: 'json-body', body: (p) => ({ contentType: 'application/json', body: JSON.stringify(p) }) },
    { name: 'json-charset', body: (p) => ({ contentType: 'application/json; charset=utf-8', body: JSON.stringify(p) }) },
    { name: 'form-charset', body: (p) => ({ contentType: 'application/x-www-form-urlencoded; charset=UTF-8', body: formOf(pairs(p)) }) },
    { name: 'form-upper-type', body: (p) => ({ contentType: 'Application/X-WWW-Form-Urlencoded', body: formOf(pairs(p)) }) },
    { name: 'text-plain', body: (p) => ({ contentType: 'text/plain', body: formOf(pairs(p)) }) },
    { name: 'no-content-type', body: (p) => ({ contentType: '', body: formOf(pairs(p)) }) },
    { name: 'multipart', body: () => ({ contentType: 'multipart/form-data; boundary=x', body: '--x--' }) },
    { name: 'json-not-object', body: () => ({ contentType: 'application/json', body: '[1,2]' }) },
    { name: 'json-broken', body: () => ({ contentType: 'application/json', body: '{"client_id":' }) },
    { name: 'empty-body', body: () => ({ body: '' }) },
    { name: 'plus-spaces', body: (p) => ({ body: formOf(pairs(p)).replace(/%20/g, '+') }) },
    { name: 'percent-spaces', body: (p) => ({ body: formOf(pairs(p)).replace(/\+/g, '%20') }) },
    { name: 'lowercase-percent', body: (p) => ({ body: formOf(pairs(p)).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) }) },
    { name: 'bad-percent', body: (p) => ({ body: `${formOf(pairs(p))}&x=%zz` }) },
    { name: 'latin1-state', body: (p) => ({ contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1', body: `${formOf(pairs(without(p, 'state')))}&state=caf%E9` }) },
  ]
}

function parCase(id: string, mutations: Mutation[]): Case {
  return {
    id,
    area: 'par',
    kind: 'generated',
    async run(agent: Agent) {
      await agent.warm()
      let params = Agent.parParams(randomBytes(32).toString('base64url'), { state: 'st-diff' })
      for (const m of mutations) if (m.params) params = m.params(params)
      let body = { contentType: 'application/x-www-form-urlencoded' as string | undefined, body: formOf(pairs(params)) }
      for (const m of mutations) if (m.body) body = { contentType: 'application/x-www-form-urlencoded', ...m.body(params) }
      const url = `${agent.issuer}/oauth/par`
      const headers: Record<string, string> = { dpop: agent.proof('POST', url) }
      if (body.contentType) headers['content-type'] = body.contentType
      for (const m of mutations) Object.assign(headers, m.headers)
      await agent.exchange('par', url, { method: 'POST', headers, body: body.body })
    },
  }
}

/** Every single mutation, then `combined` random pairs and triples (fixed seed). */
export function parCases(combined = 280): Case[] {
  const singles = [...perParameter(), ...unexpected(), ...clientAuthentication(), ...bodies()]
  const out = singles.map((m) => parCase(`par/${m.name}`, [m]))
  for (const ms of sampledCombinations(singles, { seed: SEED, runs: combined, minLength: 2, maxLength: 3 })) {
    out.push(parCase(`par/${ms.map((m) => m.name).join('+')}`, ms))
  }
  return out
}
