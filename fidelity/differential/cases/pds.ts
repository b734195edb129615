/**
 * The PDS's XRPC endpoints under an OAuth session: known, unknown and known-but-unimplemented methods, the
 * wrong HTTP method, and every way of presenting the token (no proof, a Bearer token, a proof of another key,
 * for another URL or method, without or with a wrong `ath`, a garbage token).
 */
import { accessTokenHash } from '../../../protocol/jwk.ts'
import { newKey, type Agent, type ProofShape } from '../agent.ts'
import type { Case } from '../case.ts'

interface Call {
  name: string
  method: 'GET' | 'POST' | 'PUT'
  path: (did: string) => string
  body?: (did: string) => unknown
  /** The body's content type when it is not JSON (a blob). */
  contentType?: string
}

const POST = { $type: 'app.bsky.feed.post', text: 'hello', createdAt: '2026-12-02T00:00:00.000Z' }
/**
 * putRecord's content, new for each run (the same on both sides): the real server keeps its records across
 * runs, and a put of unchanged content is answered without a commit.
 */
const PUT = { ...POST, text: `hello ${Date.now()}` }

const CALLS: Call[] = [
  { name: 'get-session', method: 'GET', path: () => 'com.atproto.server.getSession' },
  { name: 'describe-server', method: 'GET', path: () => 'com.atproto.server.describeServer' },
  { name: 'resolve-handle', method: 'GET', path: () => 'com.atproto.identity.resolveHandle?handle=alice.test' },
  { name: 'describe-repo', method: 'GET', path: (did) => `com.atproto.repo.describeRepo?repo=${did}` },
  {
    name: 'create-record',
    method: 'POST',
    path: () => 'com.atproto.repo.createRecord',
    body: (did) => ({ repo: did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'hello', createdAt: '2026-12-02T00:00:00.000Z' } }),
  },
  // After create-record: both sides then hold at least one post (the real server keeps its posts across runs).
  { name: 'list-records', method: 'GET', path: (did) => `com.atproto.repo.listRecords?repo=${did}&collection=app.bsky.feed.post` },
  { name: 'create-record-get', method: 'GET', path: () => 'com.atproto.repo.createRecord' },
  { name: 'get-session-post', method: 'POST', path: () => 'com.atproto.server.getSession', body: () => ({}) },
  { name: 'unknown-method', method: 'GET', path: () => 'com.example.unknown.method' },
  { name: 'unknown-procedure', method: 'POST', path: () => 'com.example.unknown.method', body: () => ({}) },
  { name: 'check-account-status', method: 'GET', path: () => 'com.atproto.server.checkAccountStatus' },
  { name: 'get-preferences', method: 'GET', path: () => 'app.bsky.actor.getPreferences' },
  { name: 'latest-commit', method: 'GET', path: (did) => `com.atproto.sync.getLatestCommit?did=${did}` },
  { name: 'refresh-session', method: 'POST', path: () => 'com.atproto.server.refreshSession' },
  { name: 'invite-codes', method: 'GET', path: () => 'com.atproto.server.getAccountInviteCodes' },
  { name: 'delete-session', method: 'POST', path: () => 'com.atproto.server.deleteSession' },
  { name: 'get-record-missing', method: 'GET', path: (did) => `com.atproto.repo.getRecord?repo=${did}&collection=app.bsky.feed.post&rkey=3zzzzzzzzzzzz` },
  { name: 'get-record-unknown-repo', method: 'GET', path: () => 'com.atproto.repo.getRecord?repo=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa&collection=app.bsky.feed.post&rkey=3zzzzzzzzzzzz' },
  { name: 'list-records-unknown-repo', method: 'GET', path: () => 'com.atproto.repo.listRecords?repo=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa&collection=app.bsky.feed.post' },
  { name: 'latest-commit-no-did', method: 'GET', path: () => 'com.atproto.sync.getLatestCommit' },
  {
    name: 'put-record',
    method: 'POST',
    path: () => 'com.atproto.repo.putRecord',
    body: (did) => ({ repo: did, collection: 'app.bsky.feed.post', rkey: '3l2cdiffrnt22', record: PUT }),
  },
  { name: 'delete-record', method: 'POST', path: () => 'com.atproto.repo.deleteRecord', body: (did) => ({ repo: did, collection: 'app.bsky.feed.post', rkey: '3kdeletedneverexisted' }) },
  {
    name: 'apply-writes',
    method: 'POST',
    path: () => 'com.atproto.repo.applyWrites',
    body: (did) => ({ repo: did, writes: [{ $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.post', value: POST }] }),
  },
  { name: 'upload-blob', method: 'POST', path: () => 'com.atproto.repo.uploadBlob', body: () => 'hello blob', contentType: 'text/plain' },
  { name: 'service-auth', method: 'GET', path: () => 'com.atproto.server.getServiceAuth?aud=did:web:example.com&lxm=com.atproto.repo.getRecord' },
  { name: 'service-auth-no-lxm', method: 'GET', path: () => 'com.atproto.server.getServiceAuth?aud=did:web:example.com' },
  { name: 'service-auth-bad-aud', method: 'GET', path: () => 'com.atproto.server.getServiceAuth?aud=example.com&lxm=com.atproto.repo.getRecord' },
  { name: 'get-session-put', method: 'PUT', path: () => 'com.atproto.server.getSession', body: () => ({}) },
]

interface Presentation {
  name: string
  headers: (agent: Agent, token: string, htm: string, url: string) => Record<string, string>
}

const other = newKey()

function dpop(shape: ProofShape = {}, options: { key?: 'other'; ath?: 'none' | 'wrong'; scheme?: string; token?: string } = {}): Presentation['headers'] {
  return (agent, token, htm, url) => {
    const ath = options.ath === 'none' ? undefined : options.ath === 'wrong' ? accessTokenHash(`${token}x`) : accessTokenHash(token)
    return {
      authorization: `${options.scheme ?? 'DPoP'} ${options.token ?? token}`,
      dpop: agent.proof(htm, url, shape, options.key === 'other' ? other : agent.key, ath),
    }
  }
}

const PRESENTATIONS: Presentation[] = [
  { name: 'none', headers: () => ({}) },
  { name: 'dpop', headers: dpop() },
  { name: 'bearer', headers: (_a, token) => ({ authorization: `Bearer ${token}` }) },
  { name: 'dpop-no-proof', headers: (_a, token) => ({ authorization: `DPoP ${token}` }) },
  { name: 'proof-other-key', headers: dpop({}, { key: 'other' }) },
  { name: 'proof-wrong-htu', headers: dpop({ claims: { htu: 'http://localhost/xrpc/other' } }) },
  { name: 'proof-wrong-htm', headers: dpop({ claims: { htm: 'PUT' } }) },
  { name: 'proof-no-ath', headers: dpop({}, { ath: 'none' }) },
  { name: 'proof-wrong-ath', headers: dpop({}, { ath: 'wrong' }) },
  { name: 'garbage-token', headers: dpop({}, { token: 'not.a.token' }) },
  { name: 'lowercase-scheme', headers: dpop({}, { scheme: 'dpop' }) },
  { name: 'basic', headers: () => ({ authorization: 'Basic YWxpY2U6cGFzcw==' }) },
  { name: 'unknown-scheme', headers: (_a, token) => ({ authorization: `Token ${token}` }) },
  { name: 'bearer-garbage', headers: () => ({ authorization: 'Bearer not.a.token' }) },
]

export function pdsCases(): Case[] {
  const out: Case[] = []
  for (const call of CALLS) {
    for (const presentation of PRESENTATIONS) {
      out.push({
        id: `pds/${call.name}-${presentation.name}`,
        area: 'pds',
        kind: 'generated',
        async run(agent) {
          const session = await agent.ensureSession()
          const did = session.did ?? 'did:plc:unknown'
          const url = `${agent.pds}/xrpc/${call.path(did)}`
          const htu = url.split('?')[0]!
          const headers = presentation.headers(agent, session.accessToken ?? 'none', call.method, htu)
          const raw = call.body?.(did)
          const body = raw === undefined ? undefined : typeof raw === 'string' ? raw : JSON.stringify(raw)
          const type = call.contentType ?? 'application/json'
          await agent.exchange('xrpc', url, { method: call.method, headers: { ...headers, ...(body ? { 'content-type': type } : {}) }, body })
        },
      })
    }
  }
  return out
}
