/**
 * Discovery documents and the JWKS: every method, path spelling and query on each, with and without an
 * Origin (CORS), and preflights asking for various methods and headers.
 */
import type { Case } from '../case.ts'

const DOCUMENTS = ['/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resource', '/oauth/jwks']
const SPELLINGS: [string, (p: string) => string][] = [
  ['plain', (p) => p],
  ['trailing-slash', (p) => `${p}/`],
  ['upper', (p) => p.toUpperCase()],
  ['query', (p) => `${p}?x=1`],
  ['double-slash', (p) => `/${p}`],
  ['suffix', (p) => `${p}.json`],
]
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']

function name(path: string): string {
  return path.split('/').filter(Boolean).join('-').replace(/^\.well-known-/, '')
}

export function metadataCases(): Case[] {
  const out: Case[] = []
  for (const doc of DOCUMENTS) {
    const base = (agent: { issuer: string; pds: string }) => (doc.includes('protected-resource') ? agent.pds : agent.issuer)
    for (const [spelling, spell] of SPELLINGS) {
      for (const method of METHODS) {
        if (spelling !== 'plain' && method !== 'GET') continue
        out.push({
          id: `metadata/${name(doc)}-${spelling}-${method.toLowerCase()}`,
          area: 'metadata',
          kind: 'generated',
          async run(agent) {
            await agent.exchange('document', `${base(agent)}${spell(doc)}`, { method, body: method === 'GET' || method === 'HEAD' ? undefined : '{}', headers: method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' } })
          },
        })
      }
    }
    for (const origin of ['https://app.example', 'null']) {
      out.push({
        id: `metadata/${name(doc)}-origin-${origin === 'null' ? 'null' : 'app'}`,
        area: 'metadata',
        kind: 'generated',
        async run(agent) {
          await agent.exchange('document', `${base(agent)}${doc}`, { headers: { origin } })
        },
      })
    }
    for (const [label, requestMethod, requestHeaders] of [
      ['get', 'GET', undefined],
      ['post-dpop', 'POST', 'dpop,content-type'],
      ['delete', 'DELETE', undefined],
      ['custom-header', 'GET', 'x-custom'],
    ] as const) {
      out.push({
        id: `metadata/${name(doc)}-preflight-${label}`,
        area: 'metadata',
        kind: 'generated',
        async run(agent) {
          await agent.exchange('preflight', `${base(agent)}${doc}`, {
            method: 'OPTIONS',
            headers: {
              origin: 'https://app.example',
              'access-control-request-method': requestMethod,
              ...(requestHeaders ? { 'access-control-request-headers': requestHeaders } : {}),
            },
          })
        },
      })
    }
  }
  for (const [label, path] of [
    ['openid-configuration', '/.well-known/openid-configuration'],
    ['atproto-did', '/.well-known/atproto-did'],
    ['did-json', '/.well-known/did.json'],
    ['oauth-root', '/oauth'],
    ['oauth-unknown', '/oauth/nope'],
    ['oauth-userinfo', '/oauth/userinfo'],
    ['oauth-introspect', '/oauth/introspect'],
    ['root', '/'],
    ['robots', '/robots.txt'],
    ['health', '/xrpc/_health'],
  ] as const) {
    for (const method of ['GET', 'POST']) {
      out.push({
        id: `metadata/path-${label}-${method.toLowerCase()}`,
        area: 'metadata',
        kind: 'generated',
        async run(agent) {
          await agent.exchange('path', `${agent.issuer}${path}`, { method, headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, body: method === 'POST' ? '' : undefined })
        },
      })
    }
  }
  return out
}
