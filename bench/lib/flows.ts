import { createHash, randomBytes, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { Agent, request } from 'node:http'
import { keyPairSync } from '../../protocol/key-pair.ts'

/**
 * One login flow as a client and its user's browser drive it: PAR with a DPoP proof (nonce retry once), the
 * authorization step, and the code exchange with a DPoP proof carrying the nonce. The same client code drives
 * the mock AS and oidc-provider, so both pay the same client costs; only the server differs.
 */

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/** One request over a keep-alive agent (node:http: far less client overhead than fetch). */
export function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

export function closeAgent(): void {
  agent.destroy()
}

/** A client's DPoP key (ES256), signing with node:crypto. */
export interface DpopSigner {
  privateKey: KeyObject
  jwk: Record<string, unknown>
}

export function newSigner(): DpopSigner {
  const { privateKey, publicJwk } = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
  return { privateKey, jwk: publicJwk }
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** Signs a DPoP proof (RFC 9449 §4.2). */
export function proof(signer: DpopSigner, htm: string, htu: string, nonce: string | undefined): string {
  const payload: Record<string, unknown> = { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000) }
  if (nonce) payload.nonce = nonce
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.jwk })}.${b64(payload)}`
  return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

/** What a flow needs to know about one server. */
export interface FlowTarget {
  name: string
  issuer: string
  parPath: string
  tokenPath: string
  clientId: string
  redirectUri: string
  scope: string
  /** The browser's part: from the authorization URL to the redirect carrying the code. */
  authorize(authorizationUrl: string): Promise<URL>
}

function header(a: HttpAnswer, name: string): string | undefined {
  const v = a.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Per-flow counters a run adds up. */
export interface FlowCounters {
  flows: number
  requests: number
  proofs: number
  nonceRetries: number
}

/** One DPoP-protected POST, retried once on use_dpop_nonce (the nonce is cached per server, as clients do). */
async function dpopPost(t: FlowTarget, signer: DpopSigner, nonces: Map<string, string>, path: string, body: URLSearchParams, c: FlowCounters): Promise<HttpAnswer> {
  for (let attempt = 0; ; attempt++) {
    const htu = t.issuer + path
    c.proofs++
    c.requests++
    const res = await http(htu, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof(signer, 'POST', htu, nonces.get(t.issuer)) },
      body: body.toString(),
    })
    const nonce = header(res, 'dpop-nonce')
    if (nonce) nonces.set(t.issuer, nonce)
    if (attempt === 0 && res.status === 400 && res.body.includes('use_dpop_nonce')) {
      c.nonceRetries++
      continue
    }
    return res
  }
}

/** Runs one whole login; throws when a step does not answer as a good server would. */
export async function runFlow(t: FlowTarget, nonces: Map<string, string>, c: FlowCounters): Promise<void> {
  const signer = newSigner()
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const state = randomBytes(8).toString('hex')
  const par = await dpopPost(t, signer, nonces, t.parPath, new URLSearchParams({
    client_id: t.clientId,
    response_type: 'code',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    redirect_uri: t.redirectUri,
    scope: t.scope,
    state,
  }), c)
  if (par.status !== 201) throw new Error(`${t.name} PAR: ${par.status} ${par.body.slice(0, 300)}`)
  const requestUri = (JSON.parse(par.body) as { request_uri: string }).request_uri
  const redirect = await t.authorize(`${t.issuer}/${t.name === 'oidc-provider' ? 'auth' : 'oauth/authorize'}?${new URLSearchParams({ client_id: t.clientId, request_uri: requestUri })}`)
  const code = redirect.searchParams.get('code')
  if (!code || redirect.searchParams.get('state') !== state) throw new Error(`${t.name} authorize: no code in ${redirect.href}`)
  const token = await dpopPost(t, signer, nonces, t.tokenPath, new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: t.redirectUri,
    client_id: t.clientId,
  }), c)
  if (token.status !== 200 || !token.body.includes('"access_token"')) throw new Error(`${t.name} token: ${token.status} ${token.body.slice(0, 300)}`)
  c.flows++
}

/** What a browser's navigation carries (Fetch Metadata), as the harness's user agent sends it. */
const BROWSER = { 'x-conformance-actor': 'user-agent', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }

/** The mock AS: the consent page, then its form (sign in + approve), as the harness's user agent does. */
export function mockTarget(issuer: string, account: { username: string; password: string }, c: FlowCounters): FlowTarget {
  const redirectUri = 'http://127.0.0.1:8080/callback'
  return {
    name: 'mock-as',
    issuer,
    parPath: '/oauth/par',
    tokenPath: '/oauth/token',
    clientId: `http://localhost?${new URLSearchParams({ redirect_uri: redirectUri, scope: 'atproto' })}`,
    redirectUri,
    scope: 'atproto',
    async authorize(url) {
      c.requests += 2
      const page = await http(url, { headers: { ...BROWSER, 'sec-fetch-site': 'cross-site' } })
      const requestUri = /name="request_uri" value="([^"]*)"/.exec(page.body)?.[1]
      if (page.status !== 200 || !requestUri) throw new Error(`mock-as page: ${page.status} ${page.body.slice(0, 300)}`)
      const consent = await http(`${issuer}/oauth/authorize/consent`, {
        method: 'POST',
        headers: { ...BROWSER, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request_uri: requestUri.replace(/&amp;/g, '&'), username: account.username, password: account.password, decision: 'approve' }).toString(),
      })
      const location = header(consent, 'location')
      if (consent.status !== 303 || !location) throw new Error(`mock-as consent: ${consent.status} ${consent.body.slice(0, 300)}`)
      return new URL(location)
    },
  }
}

/**
 * oidc-provider: /auth redirects to the interaction, which the bench server completes at once (sign in +
 * consent, the equivalent of the mock's one form), then the resumed /auth redirects with the code. A cookie
 * jar per flow carries the interaction cookies.
 */
export function oidcTarget(issuer: string, c: FlowCounters): FlowTarget {
  const redirectUri = 'http://127.0.0.1:8080/callback'
  return {
    name: 'oidc-provider',
    issuer,
    parPath: '/request',
    tokenPath: '/token',
    clientId: 'bench-client',
    redirectUri,
    scope: 'atproto',
    async authorize(url) {
      const jar = new Map<string, string>()
      let next = url
      for (let hop = 0; hop < 5; hop++) {
        c.requests++
        const cookie: Record<string, string> = jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}
        const res = await http(next, { headers: { ...BROWSER, 'sec-fetch-site': hop === 0 ? 'cross-site' : 'same-origin', ...cookie } })
        const setCookie = res.headers['set-cookie']
        for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
          const [pair] = line.split(';')
          const i = pair!.indexOf('=')
          jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim())
        }
        const location = header(res, 'location')
        if (res.status < 300 || res.status >= 400 || !location) throw new Error(`oidc-provider ${next}: ${res.status} ${res.body.slice(0, 300)}`)
        const target = new URL(location, next)
        if (target.href.startsWith(redirectUri)) return target
        next = target.href
      }
      throw new Error('oidc-provider: too many redirects')
    },
  }
}

/** Runs `total` flows, `concurrency` at a time; returns the wall time in ms. */
export async function runFlows(t: FlowTarget, total: number, concurrency: number, c: FlowCounters): Promise<number> {
  const nonces = new Map<string, string>()
  let started = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++
        await runFlow(t, nonces, c)
      }
    }),
  )
  return performance.now() - t0
}
