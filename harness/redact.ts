import { createHash } from 'node:crypto'
import type { Headers, TranscriptEntry } from './transcript.ts'

/** Body fields whose values are secrets (tokens, codes, verifiers, assertions, passwords). */
const SECRET_FIELDS = ['access_token', 'refresh_token', 'code', 'code_verifier', 'client_assertion', 'password', 'token', 'ephemeralToken']
const SECRET_PATTERN = new RegExp(`("(?:${SECRET_FIELDS.join('|')})"\\s*:\\s*")([^"]+)(")`, 'g')
const FORM_PATTERN = new RegExp(`((?:^|[?&#])(?:${SECRET_FIELDS.join('|')})=)([^&#\\s"]+)`, 'g')

/** A stable, short stand-in for a secret: its first characters and a hash, so two uses can be matched. */
export function redactValue(value: string): string {
  if (value.length <= 8) return '[redacted]'
  const hash = createHash('sha256').update(value).digest('base64url').slice(0, 10)
  return `${value.slice(0, 4)}…[redacted sha256:${hash}]`
}

function redactText(text: string): string {
  return text
    .replace(SECRET_PATTERN, (_, a: string, v: string, b: string) => a + redactValue(v) + b)
    .replace(FORM_PATTERN, (_, a: string, v: string) => a + encodeURIComponent(redactValue(decodeURIComponent(v))))
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
  if (!params) return undefined
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, SECRET_FIELDS.includes(k) && typeof v === 'string' ? redactValue(v) : v]),
  )
}

/**
 * A copy of the transcript safe to write into reports: tokens, codes, verifiers, assertions and passwords
 * are shortened and hashed (the same secret always gives the same stand-in). DPoP proofs carry only public
 * keys and stay readable.
 */
export function redactTranscript(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  return entries.map((e) => {
    if (e.kind === 'note') return e.data === undefined ? e : { ...e, data: JSON.parse(redactText(JSON.stringify(e.data))) }
    if (e.kind !== 'http') return e
    return {
      ...e,
      request: {
        ...e.request,
        url: redactText(e.request.url),
        headers: redactHeaders(e.request.headers),
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
