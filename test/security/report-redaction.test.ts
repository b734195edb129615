import { randomUUID, sign as cryptoSign } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import type { Driver, DriverContext } from '../../harness/drivers/types.ts'
import { runSuite } from '../../harness/runner.ts'
import { keyPairSync } from '../../protocol/key-pair.ts'
import type { TranscriptEntry } from '../../model/transcript.ts'
import type { ScenarioResult } from '../../reports/schema.ts'
import { writeReports } from '../../reports/write.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

/** Every transcript the runner hands to the redaction, before redaction: where the secrets are. */
const raw: TranscriptEntry[][] = []
vi.mock('../../harness/redact.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../harness/redact.ts')>()
  return {
    ...real,
    reportSafeResult: (result: ScenarioResult, options: { redact: boolean }) => {
      raw.push(structuredClone([...result.transcript]))
      return real.reportSafeResult(result, options)
    },
  }
})

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/**
 * A careless client: it logs in like the official one, but first publishes a client metadata document with its
 * private key in `jwks` (and asks the AS to use it), and sends a PAR whose DPoP proof carries its private key.
 */
function leakyClient(keys: string[]): Driver {
  const official = officialNodeClient()
  let ctx: DriverContext
  return {
    ...official,
    async init(c) {
      ctx = c
      return official.init(c)
    },
    async authorize(input) {
      const out = await official.authorize(input)
      const origin = new URL(out.authorizationUrl).origin
      const jwk: Record<string, string> = { ...keyPairSync({ type: 'ec', namedCurve: 'P-256' }).privateJwk, kid: 'leak' }
      keys.push(jwk.d!)
      const clientId = ctx.hostDocument('/leaky-client.json', {
        client_id: `${ctx.clientOrigin}/leaky-client.json`,
        redirect_uris: [`${ctx.clientOrigin}/callback`],
        scope: 'atproto',
        dpop_bound_access_tokens: true,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [jwk] },
      })
      const { privateKey: dpopKey, privateJwk: dpopJwk } = keyPairSync({ type: 'ec', namedCurve: 'P-256' })
      keys.push(dpopJwk.d!)
      const input_ = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpopJwk })}.${b64({ jti: randomUUID(), htm: 'POST', htu: `${origin}/oauth/par`, iat: Math.floor(Date.now() / 1000) })}`
      const proof = `${input_}.${cryptoSign('sha256', Buffer.from(input_), { key: dpopKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
      for (const dpop of [undefined, proof]) {
        await fetch(`${origin}/oauth/par`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { dpop } : {}) },
          body: new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'atproto' }),
        }).then((r) => r.arrayBuffer())
      }
      return out
    },
  }
}

/** Tokens, codes, verifiers, assertions and passwords that crossed the wire, read from the raw transcripts. */
function secretsIn(transcripts: TranscriptEntry[][]): Set<string> {
  const found = new Set<string>()
  const fields = ['access_token', 'refresh_token', 'code', 'code_verifier', 'client_assertion', 'password', 'token']
  const take = (v: unknown) => {
    if (typeof v === 'string' && v.length > 8) found.add(v)
  }
  const fromForm = (text: string | undefined) => {
    if (!text) return
    try {
      const json = JSON.parse(text) as Record<string, unknown>
      if (json && typeof json === 'object') for (const f of fields) take(json[f])
    } catch {
      const params = new URLSearchParams(text.includes('?') ? text.slice(text.indexOf('?') + 1) : text)
      for (const f of fields) take(params.get(f) ?? undefined)
    }
  }
  for (const entries of transcripts) {
    for (const e of entries) {
      if (e.kind !== 'http') continue
      fromForm(e.request.body)
      fromForm(e.response.body)
      fromForm(e.request.url)
      const location = e.response.headers.location
      fromForm(Array.isArray(location) ? location[0] : location)
      const auth = e.request.headers.authorization
      if (typeof auth === 'string') take(auth.split(' ')[1])
    }
  }
  return found
}

describe('reports never contain secrets (redaction on by default)', () => {
  it('no full token, code, verifier, assertion, password or private key appears in any report file', async () => {
    const ids = ['login-with-handle', 'refresh-rotation', 'sign-out-revokes', 'confidential-login', 'conf-jwks-uri', 'callback-state-replayed']
    const scenarios = ids.map((id) => SCENARIOS.find((s) => s.id === id)!).filter(Boolean)
    const keys: string[] = []
    const official = await runSuite({ scenarios, driver: () => officialNodeClient(), clientName: 'official' })
    const leaky = await runSuite({ scenarios: [scenarios[0]!], driver: () => leakyClient(keys), clientName: 'leaky' })
    expect(official.redacted).toBe(true)
    expect(official.scenarios.map((s) => s.verdict)).not.toContain('ERROR')

    const secrets = secretsIn(raw)
    expect(secrets.size).toBeGreaterThan(20)
    expect(keys).toHaveLength(2)
    // The raw transcripts really did carry the private keys: the AS fetched the document, the PAR carried the proof.
    const rawText = JSON.stringify(raw)
    for (const d of keys) expect(rawText).toContain(d)

    const files: string[] = []
    for (const [name, report] of [['official', official], ['leaky', leaky]] as const) {
      const dir = await mkdtemp(join(tmpdir(), `aoc-redact-${name}-`))
      dirs.push(dir)
      await writeReports(dir, report)
      for (const f of await readdir(dir)) files.push(join(dir, f))
    }
    expect(files.some((f) => f.endsWith('report.html'))).toBe(true)
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const s of secrets) expect(text.includes(s), `${file} contains the secret ${s.slice(0, 12)}…`).toBe(false)
      for (const d of keys) expect(text.includes(d), `${file} contains a private key`).toBe(false)
      // No private JWK member anywhere, whatever its escaping (JSON, HTML entities).
      expect(text).not.toMatch(/(?:"|&quot;|&#34;)d(?:"|&quot;|&#34;)\s*:\s*(?:"|&quot;|&#34;)[A-Za-z0-9_-]{20,}/)
    }
  })
})
