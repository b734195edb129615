import { createHash } from 'node:crypto'
import type { Exchange, Headers, TranscriptEntry } from '../model/transcript.ts'

/** Body fields whose values are secrets (tokens, codes, verifiers, assertions, passwords). */
const SECRET_FIELDS = ['access_token', 'refresh_token', 'code', 'code_verifier', 'client_assertion', 'password', 'token', 'ephemeralToken', 'accessToken', 'refreshToken']
const SECRET_PATTERN = new RegExp(`("(?:${SECRET_FIELDS.join('|')})"\\s*:\\s*")([^"]+)(")`, 'g')
const FORM_PATTERN = new RegExp(`((?:^|[?&#])(?:${SECRET_FIELDS.join('|')})=)([^&#\\s"]+)`, 'g')
// RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2: the private members of a JWK (a client that publishes its private
// key in its metadata must not have it copied into a report).
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const PRIVATE_JWK_PATTERN = /("(?:d|p|q|dp|dq|qi|k)"\s*:\s*")([^"]+)(")/g
const PRIVATE_PROOF = '[redacted: the proof carries a private key]'

/** A hostile client may send any bytes: a bad percent-escape is redacted as it stands. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** A stable, short stand-in for a secret: its first characters and a hash, so two uses can be matched. */
export function redactValue(value: string): string {
  if (value.length <= 8) return '[redacted]'
  const hash = createHash('sha256').update(value).digest('base64url').slice(0, 10)
  return `${value.slice(0, 4)}…[redacted sha256:${hash}]`
}

function redactText(text: string): string {
  return text
    .replace(SECRET_PATTERN, (_, a: string, v: string, b: string) => a + redactValue(v) + b)
    .replace(PRIVATE_JWK_PATTERN, (_, a: string, _v: string, b: string) => `${a}[redacted private key]${b}`)
    .replace(FORM_PATTERN, (_, a: string, v: string) => a + encodeURIComponent(redactValue(safeDecode(v))))
}

function redactHeaders(headers: Headers): Headers {
  const out: Headers = {}
  for (const [k, v] of Object.entries(headers)) {
    const one = (s: string) =>
      k === 'authorization'
        ? s.replace(/^(\S+\s+)(.+)$/, (_, a: string, t: string) => a + redactValue(t))
        : k === 'location' || k === 'referer'
          ? redactText(s)
          : k === 'cookie' || k === 'set-cookie'
            ? '[redacted]'
            : s
    out[k] = Array.isArray(v) ? v.map(one) : one(v)
  }
  return out
}

function redactParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return params === undefined ? undefined : (redactJson(params) as Record<string, unknown>)
}

/**
 * A JSON copy with secrets redacted, walked value by value (a regex over JSON text could break its escapes):
 * secret fields are hashed, private members of JWKs dropped, other strings redacted as text (URLs, forms).
 * Whatever a client returned (a cycle, a BigInt) never breaks the report.
 */
function redactJson(value: unknown): unknown {
  let copy: unknown
  try {
    const text = JSON.stringify(value)
    copy = text === undefined ? undefined : JSON.parse(text)
  } catch (err) {
    return `[not JSON: ${(err as Error).message}]`
  }
  const walk = (v: unknown, key?: string, jwk = false): unknown => {
    if (typeof v === 'string') {
      if (key !== undefined && SECRET_FIELDS.includes(key)) return redactValue(v)
      if (jwk && key !== undefined && PRIVATE_JWK_MEMBERS.includes(key)) return '[redacted private key]'
      return redactText(v)
    }
    if (Array.isArray(v)) return v.map((x) => walk(x))
    if (v && typeof v === 'object') {
      const isJwk = 'kty' in v
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, isJwk)]))
    }
    return v
  }
  return walk(copy)
}

function hasPrivateMembers(jwk: unknown): boolean {
  return typeof jwk === 'object' && jwk !== null && PRIVATE_JWK_MEMBERS.some((m) => m in jwk)
}

/** A DPoP proof whose header `jwk` is a private key: the raw proof would carry it, base64url-encoded. */
function redactProof(e: Exchange): { headers: Headers; dpop: Exchange['dpop'] } {
  const headers = redactHeaders(e.request.headers)
  if (!e.dpop || !hasPrivateMembers(e.dpop.header.jwk)) return { headers, dpop: e.dpop }
  const jwk = Object.fromEntries(
    Object.entries(e.dpop.header.jwk as Record<string, unknown>).map(([k, v]) => [k, PRIVATE_JWK_MEMBERS.includes(k) ? '[redacted private key]' : v]),
  )
  return { headers: { ...headers, dpop: PRIVATE_PROOF }, dpop: { ...e.dpop, header: { ...e.dpop.header, jwk }, raw: PRIVATE_PROOF } }
}

/**
 * A copy of the transcript safe to write into reports: tokens, codes, verifiers, assertions and passwords
 * are shortened and hashed (the same secret always gives the same stand-in); private JWK members are dropped.
 * DPoP proofs carry only public keys and stay readable (a proof that carries a private key does not).
 */
export function redactTranscript(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  return entries.map((e) => {
    if (e.kind === 'note') return e.data === undefined ? e : { ...e, data: redactJson(e.data) }
    if (e.kind === 'step') {
      // What a client reports (its session, a refusal message) may carry a token too.
      const o = e.outcome
      if (o.status !== 'ok') return { ...e, outcome: { ...o, message: redactText(o.message) } }
      return o.result === undefined ? e : { ...e, outcome: { ...o, result: redactJson(o.result) } }
    }
    const { headers, dpop } = redactProof(e)
    return {
      ...e,
      dpop,
      request: {
        ...e.request,
        url: redactText(e.request.url),
        headers,
        body: e.request.body === undefined ? undefined : redactText(e.request.body),
        params: redactParams(e.request.params),
      },
      response: {
        ...e.response,
        headers: redactHeaders(e.response.headers),
        body: e.response.body === undefined ? undefined : redactText(e.response.body),
      },
    }
  })
}
