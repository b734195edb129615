/**
 * The token endpoint (code exchange and refresh) and revocation: each parameter of the code exchange missing,
 * empty, wrong or sent twice; client authentication it does not expect; and the sequences over one code or one
 * refresh token: reuse, concurrent use, use after revocation or after the page was reopened, another client, a
 * proof of another key or of the key bound at the code exchange. Nothing here waits for time to pass: the
 * reference lets no test move its clock, so expired codes, refresh tokens and sessions are not probed.
 */
import { randomBytes } from 'node:crypto'
import { accessTokenHash } from '../../../protocol/jwk.ts'
import { header } from '../../http.ts'
import { Agent, CLIENT_ID, CLIENT_REDIRECT, newKey } from '../agent.ts'
import type { Case } from '../case.ts'

type Params = Record<string, string | undefined>

function verifier(): string {
  return randomBytes(32).toString('base64url')
}

function codeParams(code: string, v: string): Params {
  return { grant_type: 'authorization_code', code, redirect_uri: CLIENT_REDIRECT, code_verifier: v, client_id: CLIENT_ID }
}

const CODE_VARIANTS: [string, (p: Params) => Params][] = [
  ['ok', (p) => p],
  ['grant-type-missing', (p) => ({ ...p, grant_type: undefined })],
  ['grant-type-upper', (p) => ({ ...p, grant_type: 'Authorization_Code' })],
  ['grant-type-password', (p) => ({ ...p, grant_type: 'password' })],
  ['grant-type-client-credentials', (p) => ({ ...p, grant_type: 'client_credentials' })],
  ['code-missing', (p) => ({ ...p, code: undefined })],
  ['code-empty', (p) => ({ ...p, code: '' })],
  ['code-garbage', (p) => ({ ...p, code: 'cod-0000' })],
  ['code-padded', (p) => ({ ...p, code: ` ${p.code}` })],
  ['redirect-uri-missing', (p) => ({ ...p, redirect_uri: undefined })],
  ['redirect-uri-other', (p) => ({ ...p, redirect_uri: 'http://127.0.0.1:8080/other' })],
  ['redirect-uri-trailing-slash', (p) => ({ ...p, redirect_uri: `${CLIENT_REDIRECT}/` })],
  ['verifier-missing', (p) => ({ ...p, code_verifier: undefined })],
  ['verifier-wrong', (p) => ({ ...p, code_verifier: verifier() })],
  ['verifier-short', (p) => ({ ...p, code_verifier: 'short' })],
  ['verifier-empty', (p) => ({ ...p, code_verifier: '' })],
  ['client-id-missing', (p) => ({ ...p, client_id: undefined })],
  ['client-id-other', (p) => ({ ...p, client_id: 'http://localhost' })],
  ['client-secret', (p) => ({ ...p, client_secret: 'secret' })],
  ['client-assertion', (p) => ({ ...p, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' })],
  ['scope-param', (p) => ({ ...p, scope: 'atproto' })],
  ['resource-param', (p) => ({ ...p, resource: 'http://localhost/' })],
  ['refresh-token-param', (p) => ({ ...p, refresh_token: 'ref-0000' })],
]

/** Each parameter of the code exchange sent twice (a wrong value first, the right one last). */
const DUPLICATED = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id']

function codeCase(name: string, change: (p: Params) => Params): Case {
  return {
    id: `token/code-${name}`,
    area: 'token',
    kind: 'generated',
    async run(agent) {
      const v = verifier()
      const { code } = await agent.login(v)
      await agent.token(change(codeParams(code ?? 'no-code', v)))
    },
  }
}

function sequence(id: string, area: Case['area'], run: (agent: Agent) => Promise<void>): Case {
  return { id, area, kind: 'sequence', run }
}

function refreshParams(token: string | undefined, extra: Params = {}): Params {
  return { grant_type: 'refresh_token', refresh_token: token ?? 'ref-none', client_id: CLIENT_ID, ...extra }
}

async function revoke(agent: Agent, token: string | undefined, extra: Params = {}, label = 'revoke'): Promise<void> {
  const url = `${agent.issuer}/oauth/revoke`
  await agent.exchange(label, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: agent.proof('POST', url) },
    body: new URLSearchParams(Object.entries({ token, client_id: CLIENT_ID, ...extra }).filter((e): e is [string, string] => e[1] !== undefined)).toString(),
  })
}

/**
 * A session whose key is bound at the code exchange: PAR without a proof, then the code exchanged with
 * another key than the agent's own.
 */
async function sessionBoundAtToken(agent: Agent): Promise<{ tokenKey: ReturnType<typeof newKey>; refreshToken?: string }> {
  const v = verifier()
  await agent.warm()
  const parUrl = `${agent.issuer}/oauth/par`
  const par = await agent.exchange('par-no-dpop', parUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(Agent.parParams(v) as Record<string, string>).toString(), compared: false })
  const requestUri = String(par.json?.request_uri ?? '')
  const page = await agent.openAuthorize(requestUri, 'setup-authorize', false)
  const redirect = await agent.consent(requestUri, page)
  const location = header(redirect, 'location')
  const code = location ? (new URL(location).searchParams.get('code') ?? '') : ''
  const tokenKey = newKey()
  const issued = await agent.token(codeParams(code, v), { key: tokenKey, label: 'exchange-other-key' })
  return { tokenKey, refreshToken: issued.json?.refresh_token }
}

export function tokenCases(): Case[] {
  const out: Case[] = CODE_VARIANTS.map(([name, change]) => codeCase(name, change))
  out.push(
    sequence('token/code-reused', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      await agent.token(codeParams(code ?? '', v), { label: 'first' })
      await agent.token(codeParams(code ?? '', v), { label: 'second' })
    }),
    sequence('token/code-concurrent', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      const answers = await Promise.all([agent.token(codeParams(code ?? '', v), { label: 'a', compared: false }), agent.token(codeParams(code ?? '', v), { label: 'b', compared: false })])
      // Which of the two wins is a race; what is compared is how many were issued.
      agent.observe('issued', String(answers.filter((r) => typeof r.json?.access_token === 'string').length))
    }),
    sequence('token/code-other-key', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      await agent.token(codeParams(code ?? '', v), { key: newKey() })
    }),
    sequence('token/code-no-dpop', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      await agent.exchange('token', `${agent.issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(codeParams(code ?? '', v) as Record<string, string>).toString(),
      })
    }),
    sequence('token/code-after-second-open', 'token', async (agent) => {
      const v = verifier()
      const { code, requestUri } = await agent.login(v)
      await agent.openAuthorize(requestUri ?? '', 'reopen')
      await agent.token(codeParams(code ?? '', v))
    }),
    sequence('token/code-after-other-browser-open', 'token', async (agent) => {
      const v = verifier()
      const { code, requestUri } = await agent.login(v)
      await agent.openAuthorize(requestUri ?? '', 'reopen-elsewhere', true, 'other')
      await agent.token(codeParams(code ?? '', v))
    }),
    sequence('token/code-then-reopen', 'token', async (agent) => {
      const v = verifier()
      const { code, requestUri } = await agent.login(v)
      await agent.token(codeParams(code ?? '', v), { label: 'exchange' })
      await agent.openAuthorize(requestUri ?? '', 'reopen')
    }),
    sequence('token/code-other-client-id', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      const other = `http://localhost?redirect_uri=${encodeURIComponent(CLIENT_REDIRECT)}`
      await agent.token({ ...codeParams(code ?? '', v), client_id: other }, { label: 'other-client' })
      // The failed attempt spent the code: the right client cannot use it after.
      await agent.token(codeParams(code ?? '', v), { label: 'right-client-after' })
    }),
    sequence('token/code-bad-verifier-then-good', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      await agent.token({ ...codeParams(code ?? '', v), code_verifier: verifier() }, { label: 'wrong-verifier' })
      await agent.token(codeParams(code ?? '', v), { label: 'right-after' })
    }),
    sequence('token/code-short-verifier-then-good', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      // A request refused for its shape (before the code is looked up) does not spend the code.
      await agent.token({ ...codeParams(code ?? '', v), code_verifier: 'short' }, { label: 'short-verifier' })
      await agent.token(codeParams(code ?? '', v), { label: 'right-after' })
    }),
    ...DUPLICATED.map((name) =>
      sequence(`token/code-duplicated-${name}`, 'token', async (agent) => {
        const v = verifier()
        const { code } = await agent.login(v)
        const params = codeParams(code ?? '', v)
        // The same parameter twice: first a wrong value, then the right one.
        const wrong: Params = { grant_type: 'refresh_token', code: 'cod-0000', redirect_uri: 'http://127.0.0.1:8080/other', code_verifier: verifier(), client_id: 'http://localhost' }
        const body = `${new URLSearchParams({ [name]: wrong[name]! })}&${new URLSearchParams(params as Record<string, string>)}`
        const url = `${agent.issuer}/oauth/token`
        await agent.exchange('token', url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: agent.proof('POST', url) }, body })
      }),
    ),
    sequence('token/code-json-body', 'token', async (agent) => {
      const v = verifier()
      const { code } = await agent.login(v)
      const url = `${agent.issuer}/oauth/token`
      await agent.exchange('token', url, { method: 'POST', headers: { 'content-type': 'application/json', dpop: agent.proof('POST', url) }, body: JSON.stringify(codeParams(code ?? '', v)) })
    }),
    sequence('refresh/ok', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token')))
    }),
    sequence('refresh/reuse-rotated', 'refresh', async (agent) => {
      await agent.session()
      const first = agent.values.get('refresh_token')
      await agent.token(refreshParams(first), { label: 'rotate' })
      await agent.token(refreshParams(first), { label: 'reuse' })
    }),
    sequence('refresh/reuse-then-new', 'refresh', async (agent) => {
      await agent.session()
      const first = agent.values.get('refresh_token')
      const rotated = await agent.token(refreshParams(first), { label: 'rotate' })
      await agent.token(refreshParams(first), { label: 'reuse' })
      await agent.token(refreshParams(rotated.json?.refresh_token), { label: 'new-after-reuse' })
    }),
    sequence('refresh/concurrent', 'refresh', async (agent) => {
      await agent.session()
      const token = agent.values.get('refresh_token')
      const answers = await Promise.all([agent.token(refreshParams(token), { label: 'a', compared: false }), agent.token(refreshParams(token), { label: 'b', compared: false })])
      agent.observe('issued', String(answers.filter((r) => typeof r.json?.access_token === 'string').length))
    }),
    sequence('refresh/old-after-new-used', 'refresh', async (agent) => {
      await agent.session()
      const first = agent.values.get('refresh_token')
      const second = await agent.token(refreshParams(first), { label: 'rotate-1' })
      const third = await agent.token(refreshParams(second.json?.refresh_token), { label: 'rotate-2' })
      await agent.token(refreshParams(first), { label: 'oldest' })
      await agent.token(refreshParams(third.json?.refresh_token), { label: 'newest-after' })
    }),
    sequence('refresh/concurrent-3', 'refresh', async (agent) => {
      await agent.session()
      const token = agent.values.get('refresh_token')
      const answers = await Promise.all(['a', 'b', 'c'].map((label) => agent.token(refreshParams(token), { label, compared: false })))
      // Which wins is a race; what is compared is how many were issued, and whether the session survives.
      agent.observe('issued', String(answers.filter((r) => typeof r.json?.access_token === 'string').length))
      const winner = answers.find((r) => typeof r.json?.refresh_token === 'string')
      await agent.token(refreshParams(winner?.json?.refresh_token), { label: 'winner-after' })
    }),
    sequence('refresh/key-bound-at-token', 'refresh', async (agent) => {
      const { tokenKey, refreshToken } = await sessionBoundAtToken(agent)
      await agent.token(refreshParams(refreshToken), { label: 'refresh-par-key' })
      await agent.token(refreshParams(refreshToken), { key: tokenKey, label: 'refresh-token-key-after' })
    }),
    sequence('refresh/key-bound-at-token-ok', 'refresh', async (agent) => {
      const { tokenKey, refreshToken } = await sessionBoundAtToken(agent)
      await agent.token(refreshParams(refreshToken), { key: tokenKey, label: 'refresh-token-key' })
    }),
    sequence('refresh/other-key', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token')), { key: newKey() })
    }),
    sequence('refresh/no-client-id', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token'), { client_id: undefined }))
    }),
    sequence('refresh/other-client-id', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token'), { client_id: 'http://localhost' }))
    }),
    sequence('refresh/narrower-scope', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token'), { scope: 'atproto' }))
    }),
    sequence('refresh/wider-scope', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('refresh_token'), { scope: 'atproto transition:generic transition:chat.bsky' }))
    }),
    sequence('refresh/garbage', 'refresh', async (agent) => {
      await agent.warm()
      await agent.token(refreshParams('ref-0000'))
    }),
    sequence('refresh/access-token-as-refresh', 'refresh', async (agent) => {
      await agent.session()
      await agent.token(refreshParams(agent.values.get('access_token')))
    }),
    sequence('refresh/after-revoke', 'refresh', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'))
      await agent.token(refreshParams(agent.values.get('refresh_token')))
    }),
    sequence('refresh/pds-after-revoke', 'refresh', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'))
      const url = `${agent.pds}/xrpc/com.atproto.server.getSession`
      const { accessTokenHash } = await import('../../../protocol/jwk.ts')
      const token = agent.values.get('access_token') ?? ''
      await agent.exchange('pds', url, { headers: { authorization: `DPoP ${token}`, dpop: agent.proof('GET', url, {}, agent.key, accessTokenHash(token)) } })
    }),
    sequence('revoke/access-token', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('access_token'))
      await agent.token(refreshParams(agent.values.get('refresh_token')), { label: 'refresh-after' })
    }),
    sequence('revoke/access-token-pds', 'revoke', async (agent) => {
      await agent.session()
      const token = agent.values.get('access_token') ?? ''
      await revoke(agent, token)
      const url = `${agent.pds}/xrpc/com.atproto.server.getSession`
      await agent.warm(agent.pds)
      await agent.exchange('pds-after', url, { headers: { authorization: `DPoP ${token}`, dpop: agent.proof('GET', url, {}, agent.key, accessTokenHash(token)) } })
    }),
    sequence('revoke/code-after-exchange', 'revoke', async (agent) => {
      // The reference finds a session by its authorization code too (tokenManager.findToken).
      const v = verifier()
      const { code } = await agent.login(v)
      const issued = await agent.token(codeParams(code ?? '', v), { label: 'exchange', compared: false })
      await revoke(agent, code)
      await agent.token(refreshParams(issued.json?.refresh_token), { label: 'refresh-after' })
    }),
    sequence('revoke/empty-token', 'revoke', async (agent) => {
      await agent.warm()
      await revoke(agent, '')
    }),
    sequence('revoke/other-client-id', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'), { client_id: 'http://localhost' })
      await agent.token(refreshParams(agent.values.get('refresh_token')), { label: 'refresh-after' })
    }),
    sequence('revoke/unknown', 'revoke', async (agent) => {
      await agent.warm()
      await revoke(agent, 'ref-0000')
    }),
    sequence('revoke/missing-token', 'revoke', async (agent) => {
      await agent.warm()
      await revoke(agent, undefined)
    }),
    sequence('revoke/hint-access', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'), { token_type_hint: 'access_token' })
    }),
    sequence('revoke/hint-bogus', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'), { token_type_hint: 'bogus' })
    }),
    sequence('revoke/twice', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'), {}, 'first')
      await revoke(agent, agent.values.get('refresh_token'), {}, 'second')
    }),
    sequence('revoke/no-client-id', 'revoke', async (agent) => {
      await agent.session()
      await revoke(agent, agent.values.get('refresh_token'), { client_id: undefined })
    }),
    sequence('revoke/no-dpop', 'revoke', async (agent) => {
      await agent.session()
      await agent.exchange('revoke', `${agent.issuer}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: agent.values.get('refresh_token') ?? '', client_id: CLIENT_ID }).toString(),
      })
    }),
    sequence('revoke/get', 'revoke', async (agent) => {
      await agent.exchange('revoke', `${agent.issuer}/oauth/revoke`, {})
    }),
  )
  return out
}
