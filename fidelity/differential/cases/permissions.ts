/**
 * Granular permissions on the real server: a loopback client whose client_id declares permission scopes
 * logs in with them; the granted scope (as the token response and a refresh word it) and what the PDS then
 * allows or refuses (records by collection and action, blobs by type) are compared with the mock's.
 */
import { randomBytes } from 'node:crypto'
import { accessTokenHash } from '../../../protocol/jwk.ts'
import { CLIENT_REDIRECT, type Agent } from '../agent.ts'
import type { Case } from '../case.ts'

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

interface Call {
  name: string
  nsid: string
  body: (did: string) => unknown
  contentType?: string
}

const record = (collection: string) => (did: string) => ({
  repo: did,
  collection,
  record: { $type: collection, text: 'permissions', createdAt: '2026-12-02T00:00:00.000Z', subject: { uri: `at://${did}/app.bsky.feed.post/3l00000000000`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' } },
})

const CALLS: Call[] = [
  { name: 'create-post', nsid: 'com.atproto.repo.createRecord', body: record('app.bsky.feed.post') },
  { name: 'create-like', nsid: 'com.atproto.repo.createRecord', body: record('app.bsky.feed.like') },
  { name: 'delete-post', nsid: 'com.atproto.repo.deleteRecord', body: (did) => ({ repo: did, collection: 'app.bsky.feed.post', rkey: '3l00000000000' }) },
  { name: 'upload-png', nsid: 'com.atproto.repo.uploadBlob', body: () => PNG, contentType: 'image/png' },
  { name: 'upload-text', nsid: 'com.atproto.repo.uploadBlob', body: () => Buffer.from('hello'), contentType: 'text/plain' },
]

/** Scopes a loopback client declares (and asks for), each with what the calls above should meet. */
const GRANTS: [string, string][] = [
  ['post-any-action', 'atproto repo:app.bsky.feed.post'],
  ['post-create-only', 'atproto repo:app.bsky.feed.post?action=create'],
  ['two-collections', 'atproto repo:app.bsky.feed.post repo:app.bsky.feed.like'],
  ['blob-images', 'atproto blob:image/*'],
  ['blob-any', 'atproto blob:*/*'],
  ['generic', 'atproto transition:generic'],
  ['atproto-only', 'atproto'],
  ['unparsable-dropped', 'atproto repo:app.bsky.feed.post repo:'],
]

/** Logs in as a loopback client declaring `declared`, asking for `requested`; the granted scope is compared. */
async function sessionFor(agent: Agent, declared: string, requested?: string): Promise<{ token?: string; did?: string; refresh?: string }> {
  agent.useClientScope(declared)
  const v = randomBytes(32).toString('base64url')
  const { code } = await agent.login(v, requested ? { scope: requested } : {})
  const res = await agent.token({ grant_type: 'authorization_code', code: code ?? 'none', redirect_uri: CLIENT_REDIRECT, code_verifier: v, client_id: agent.clientId }, { label: 'token' })
  agent.observe('granted-scope', String(res.json?.scope))
  return { token: res.json?.access_token, did: res.json?.sub, refresh: res.json?.refresh_token }
}

async function call(agent: Agent, session: { token?: string; did?: string }, c: Call): Promise<void> {
  const url = `${agent.pds}/xrpc/${c.nsid}`
  const token = session.token ?? 'none'
  const body = c.body(session.did ?? 'did:plc:unknown')
  await agent.exchange(c.name, url, {
    method: 'POST',
    headers: {
      authorization: `DPoP ${token}`,
      dpop: agent.proof('POST', url, {}, agent.key, accessTokenHash(token)),
      'content-type': c.contentType ?? 'application/json',
    },
    body: Buffer.isBuffer(body) ? body : JSON.stringify(body),
  })
}

export function permissionCases(): Case[] {
  const out: Case[] = []
  for (const [name, scope] of GRANTS) {
    out.push({
      id: `permissions/${name}`,
      area: 'permissions',
      kind: 'sequence',
      async run(agent) {
        const session = await sessionFor(agent, scope)
        for (const c of CALLS) await call(agent, session, c)
      },
    })
  }
  out.push(
    {
      id: 'permissions/refresh-keeps-scope',
      area: 'permissions',
      kind: 'sequence',
      async run(agent) {
        const session = await sessionFor(agent, 'atproto repo:app.bsky.feed.post?action=create')
        const res = await agent.token({ grant_type: 'refresh_token', refresh_token: session.refresh ?? 'none', client_id: agent.clientId }, { label: 'refresh' })
        agent.observe('refreshed-scope', String(res.json?.scope))
      },
    },
    {
      id: 'permissions/undeclared-scope-at-par',
      area: 'permissions',
      kind: 'sequence',
      async run(agent) {
        agent.useClientScope('atproto repo:app.bsky.feed.post')
        await agent.goodPar(randomBytes(32).toString('base64url'), { scope: 'atproto repo:app.bsky.feed.like' }, 'par')
      },
    },
    {
      id: 'permissions/narrower-request',
      area: 'permissions',
      kind: 'sequence',
      async run(agent) {
        const session = await sessionFor(agent, 'atproto repo:app.bsky.feed.post repo:app.bsky.feed.like', 'atproto repo:app.bsky.feed.post')
        for (const c of CALLS.slice(0, 2)) await call(agent, session, c)
      },
    },
  )
  return out
}
