/**
 * DPoP proof variants at PAR: every header member and claim removed, of the wrong type or value, and
 * combinations of them (fast-check, fixed seed); plus the DPoP header itself missing, empty, repeated or not
 * a JWT.
 */
import { randomBytes } from 'node:crypto'
import { Agent, newKey, type ProofShape } from '../agent.ts'
import { sampledCombinations, SEED, type Case } from '../case.ts'

interface ProofMutation {
  name: string
  /** Builds the proof shape from the request's URL and the current time. */
  shape: (ctx: { url: string; now: number; nonce?: string }) => ProofShape
}

const other = newKey()

function otherLoopbackOrigin(url: string): string {
  const u = new URL(url)
  u.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost'
  return u.href
}

const MUTATIONS: ProofMutation[] = [
  { name: 'typ-missing', shape: () => ({ header: { typ: undefined } }) },
  { name: 'typ-jwt', shape: () => ({ header: { typ: 'jwt' } }) },
  { name: 'typ-upper', shape: () => ({ header: { typ: 'DPOP+JWT' } }) },
  { name: 'typ-number', shape: () => ({ header: { typ: 1 } }) },
  { name: 'alg-none', shape: () => ({ header: { alg: 'none' } }) },
  { name: 'alg-hs256', shape: () => ({ header: { alg: 'HS256' } }) },
  { name: 'alg-rs256', shape: () => ({ header: { alg: 'RS256' } }) },
  { name: 'alg-missing', shape: () => ({ header: { alg: undefined } }) },
  { name: 'jwk-missing', shape: () => ({ header: { jwk: undefined } }) },
  { name: 'jwk-private', shape: () => ({ header: { jwk: { ...(other.privateKey.export({ format: 'jwk' }) as object) } }, signWith: other }) },
  { name: 'jwk-other-key', shape: () => ({ header: { jwk: other.jwk } }) },
  { name: 'jwk-string', shape: () => ({ header: { jwk: 'key' } }) },
  { name: 'kid-extra', shape: () => ({ header: { kid: 'k1' } }) },
  { name: 'x5c-extra', shape: () => ({ header: { x5c: ['MIIB'] } }) },
  { name: 'bad-signature', shape: () => ({ badSignature: true }) },
  { name: 'jti-missing', shape: () => ({ claims: { jti: undefined } }) },
  { name: 'jti-empty', shape: () => ({ claims: { jti: '' } }) },
  { name: 'jti-number', shape: () => ({ claims: { jti: 7 } }) },
  // Random, so a second run against the same server is not refused as a replay of the first.
  { name: 'jti-long', shape: () => ({ claims: { jti: randomBytes(16).toString('hex') + 'j'.repeat(968) } }) },
  { name: 'htm-missing', shape: () => ({ claims: { htm: undefined } }) },
  { name: 'htm-lower', shape: () => ({ claims: { htm: 'post' } }) },
  { name: 'htm-get', shape: () => ({ claims: { htm: 'GET' } }) },
  { name: 'htu-missing', shape: () => ({ claims: { htu: undefined } }) },
  { name: 'htu-query', shape: ({ url }) => ({ claims: { htu: `${url}?a=1` } }) },
  { name: 'htu-fragment', shape: ({ url }) => ({ claims: { htu: `${url}#f` } }) },
  { name: 'htu-trailing-slash', shape: ({ url }) => ({ claims: { htu: `${url}/` } }) },
  { name: 'htu-upper-host', shape: ({ url }) => ({ claims: { htu: url.replace('localhost', 'LOCALHOST') } }) },
  { name: 'htu-upper-path', shape: ({ url }) => ({ claims: { htu: url.replace('/oauth/par', '/OAUTH/PAR') } }) },
  { name: 'htu-other-path', shape: ({ url }) => ({ claims: { htu: url.replace('/oauth/par', '/oauth/token') } }) },
  // The other loopback spelling of the same port: a different origin whichever one the server uses.
  { name: 'htu-other-origin', shape: ({ url }) => ({ claims: { htu: otherLoopbackOrigin(url) } }) },
  { name: 'htu-https', shape: ({ url }) => ({ claims: { htu: url.replace('http:', 'https:') } }) },
  { name: 'htu-default-port', shape: ({ url }) => ({ claims: { htu: url.replace(/:\d+\//, '/') } }) },
  { name: 'htu-not-url', shape: () => ({ claims: { htu: 'par' } }) },
  ...[-3600, -600, -300, -120, -60, -10, 5, 10, 60, 300].map((offset) => ({
    name: `iat-${offset < 0 ? 'minus' : 'plus'}-${Math.abs(offset)}`,
    shape: ({ now }: { now: number }) => ({ claims: { iat: now + offset } }),
  })),
  { name: 'iat-missing', shape: () => ({ claims: { iat: undefined } }) },
  { name: 'iat-string', shape: ({ now }) => ({ claims: { iat: String(now) } }) },
  { name: 'iat-ms', shape: ({ now }) => ({ claims: { iat: now * 1000 } }) },
  { name: 'iat-float', shape: ({ now }) => ({ claims: { iat: now + 0.5 } }) },
  { name: 'exp-past', shape: ({ now }) => ({ claims: { exp: now - 60 } }) },
  { name: 'exp-future', shape: ({ now }) => ({ claims: { exp: now + 60 } }) },
  { name: 'nbf-future', shape: ({ now }) => ({ claims: { nbf: now + 600 } }) },
  { name: 'nonce-missing', shape: () => ({ claims: { nonce: undefined } }) },
  { name: 'nonce-garbage', shape: () => ({ claims: { nonce: 'garbage' } }) },
  { name: 'nonce-empty', shape: () => ({ claims: { nonce: '' } }) },
  { name: 'nonce-number', shape: () => ({ claims: { nonce: 1 } }) },
  { name: 'nonce-lookalike', shape: () => ({ claims: { nonce: 'A'.repeat(43) } }) },
  { name: 'ath-at-par', shape: () => ({ claims: { ath: 'x'.repeat(43) } }) },
  { name: 'extra-claim', shape: () => ({ claims: { foo: 'bar' } }) },
  { name: 'sub-claim', shape: () => ({ claims: { sub: 'did:plc:x' } }) },
]

function dpopCase(id: string, mutations: ProofMutation[]): Case {
  return {
    id,
    area: 'dpop',
    kind: 'generated',
    async run(agent: Agent) {
      await agent.warm()
      const url = `${agent.issuer}/oauth/par`
      const ctx = { url, now: Math.floor(Date.now() / 1000) }
      const shape: ProofShape = { header: {}, claims: {} }
      for (const m of mutations) {
        const s = m.shape(ctx)
        Object.assign(shape.header!, s.header)
        Object.assign(shape.claims!, s.claims)
        if (s.signWith) shape.signWith = s.signWith
        if (s.badSignature) shape.badSignature = true
      }
      const params = Agent.parParams(randomBytes(32).toString('base64url'), { state: 'st-diff' })
      await agent.exchange('par', url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: agent.proof('POST', url, shape) },
        body: new URLSearchParams(params as Record<string, string>).toString(),
      })
    },
  }
}

function headerCase(name: string, dpop: (agent: Agent, url: string) => string | string[]): Case {
  return {
    id: `dpop/header-${name}`,
    area: 'dpop',
    kind: 'generated',
    async run(agent) {
      await agent.warm()
      const url = `${agent.issuer}/oauth/par`
      const params = Agent.parParams(randomBytes(32).toString('base64url'), { state: 'st-diff' })
      await agent.exchange('par', url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: dpop(agent, url) as string },
        body: new URLSearchParams(params as Record<string, string>).toString(),
      })
    },
  }
}

/** Every single proof mutation, the header variants, then `combined` random pairs (fixed seed). */
export function dpopCases(combined = 200): Case[] {
  const out = MUTATIONS.map((m) => dpopCase(`dpop/${m.name}`, [m]))
  out.push(
    headerCase('empty', () => ''),
    headerCase('not-jwt', () => 'not-a-jwt'),
    headerCase('two-parts', () => 'e30.e30'),
    headerCase('repeated', (a, url) => [a.proof('POST', url), a.proof('POST', url)]),
  )
  for (const ms of sampledCombinations(MUTATIONS, { seed: SEED + 1, runs: combined, minLength: 2, maxLength: 2 })) {
    out.push(dpopCase(`dpop/${ms.map((m) => m.name).join('+')}`, ms))
  }
  return out
}
