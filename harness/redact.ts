/**
 * Redaction: the one place that turns what a scenario recorded into data safe for every output (report files,
 * verdict texts, the client's log, the console, the serve status page). Two layers:
 * - by value: every secret the World minted or saw (authorization codes, access and refresh tokens, PKCE
 *   verifiers, client assertions, passwords, private members of any JWK, a DPoP proof that carries its private
 *   key) is collected from the raw transcript, and every occurrence of it, in any string, anywhere (an error
 *   message, stderr, a header), is replaced by a stable stand-in;
 * - by pattern: secret fields (`"refresh_token":"…"`, `code=…`), private JWK members (`"d":"…"`) and PEM private
 *   keys, for secrets the World never saw (a client's own key printed to its stderr).
 */
import { createHash } from 'node:crypto'
import { tryDecodeJws } from '../protocol/jws.ts'
import type { Exchange, Headers, TranscriptEntry } from '../model/transcript.ts'
import { wellFormed } from '../model/text.ts'
import type { ScenarioResult } from '../reports/schema.ts'
import type { Verdict } from '../model/verdict.ts'
import { boundText, boundValue, type ValueLimits } from './drivers/bounded-value.ts'

/** Body fields whose values are secrets (tokens, codes, verifiers, assertions, passwords). */
const SECRET_FIELDS = ['access_token', 'refresh_token', 'code', 'code_verifier', 'client_assertion', 'password', 'token', 'ephemeralToken', 'accessToken', 'refreshToken']
const SECRET_PATTERN = new RegExp(`("(?:${SECRET_FIELDS.join('|')})"\\s*:\\s*")([^"]+)(")`, 'g')
const FORM_PATTERN = new RegExp(`((?:^|[?&#])(?:${SECRET_FIELDS.join('|')})=)([^&#\\s"]+)`, 'g')
// RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2: the private members of a JWK (a client that publishes its private
// key in its metadata must not have it copied into a report).
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
// Also JSON inside JSON (`{\"d\":\"…\"}` in a string that was itself serialised).
const PRIVATE_JWK_PATTERN = /((\\*)"(?:d|p|q|dp|dq|qi|k)\2"\s*:\s*\2")([^"\\]+)(\2")/g
const PEM_PRIVATE_KEY = /-----BEGIN ((?:[A-Z]+ )*PRIVATE KEY)-----[\s\S]*?(?:-----END \1-----|$)/g
const PRIVATE_PROOF = '[redacted: the proof carries a private key]'
const PRIVATE_KEY = '[redacted private key]'

/** Secrets shorter than this are not replaced by value (a 3-letter "token" would blank out every word). */
const MIN_SECRET_LENGTH = 8

/** A hostile client may send any bytes: a bad percent-escape is redacted as it stands. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** encodeURIComponent that never throws (a lone surrogate is made U+FFFD first). */
function encode(value: string): string {
  return encodeURIComponent(wellFormed(value))
}

/** A stable, short stand-in for a secret: its first characters and a hash, so two uses can be matched. */
export function redactValue(value: string): string {
  if (value.length <= 8) return '[redacted]'
  const hash = createHash('sha256').update(value).digest('base64url').slice(0, 10)
  return `${wellFormed(value.slice(0, 4))}…[redacted sha256:${hash}]`
}

/** The secrets of one scenario (or one served World), and what each is replaced by. */
export class Secrets {
  readonly #standIn = new Map<string, string>()
  #pattern: RegExp | undefined

  /** Adds a secret; `standIn` is what replaces it (a hash stand-in by default). Short values are ignored. */
  add(value: unknown, standIn?: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || value.startsWith('[redacted')) return
    const replacement = standIn ?? redactValue(value)
    // The forms it takes in other texts: as sent, percent-encoded (a URL), JSON-escaped (a body inside a string).
    for (const form of [value, encode(value), JSON.stringify(value).slice(1, -1)]) {
      if (!this.#standIn.has(form)) {
        this.#standIn.set(form, form === value ? replacement : encode(replacement))
        this.#pattern = undefined
      }
    }
  }

  get size(): number {
    return this.#standIn.size
  }

  /** `text` with every known secret replaced. */
  replace(text: string): string {
    if (this.#standIn.size === 0) return text
    this.#pattern ??= new RegExp(
      [...this.#standIn.keys()]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    )
    return text.replace(this.#pattern, (s) => this.#standIn.get(s) ?? '[redacted]')
  }
}

/** Secret-looking values in a text: secret fields of JSON or forms, private JWK members, PEM private keys. */
function collectFromText(text: string, secrets: Secrets): void {
  for (const m of text.matchAll(SECRET_PATTERN)) secrets.add(m[2])
  for (const m of text.matchAll(FORM_PATTERN)) secrets.add(safeDecode(m[2]!))
  for (const m of text.matchAll(PRIVATE_JWK_PATTERN)) secrets.add(m[3], PRIVATE_KEY)
  for (const m of text.matchAll(PEM_PRIVATE_KEY)) secrets.add(m[0], `[redacted ${m[1]!.toLowerCase()}]`)
  // A JWS anywhere whose header carries a private key (a DPoP proof, an assertion).
  // Matched only from the start of a run of base64url characters: a long run without dots costs linear time.
  for (const m of text.matchAll(/(?<![\w-])[\w-]{10,}\.[\w-]+\.[\w-]*/g)) collectFromJws(m[0], secrets)
}

function collectFromJws(value: string, secrets: Secrets): void {
  const jws = tryDecodeJws(value)
  if (!jws || !hasPrivateMembers(jws.header.jwk)) return
  secrets.add(value, PRIVATE_PROOF)
  secrets.add(value.slice(0, value.indexOf('.')), PRIVATE_PROOF)
  collectFromJson(jws.header, secrets)
}

/** Secret fields and private JWK members of a JSON value, at any depth. */
function collectFromJson(value: unknown, secrets: Secrets, depth = 0): void {
  if (depth > 64 || value === null || typeof value !== 'object') {
    if (typeof value === 'string') collectFromText(value, secrets)
    return
  }
  if (Array.isArray(value)) {
    for (const v of value) collectFromJson(v, secrets, depth + 1)
    return
  }
  const isJwk = 'kty' in value
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && SECRET_FIELDS.includes(k)) secrets.add(v)
    else if (typeof v === 'string' && isJwk && PRIVATE_JWK_MEMBERS.includes(k)) secrets.add(v, PRIVATE_KEY)
    else collectFromJson(v, secrets, depth + 1)
  }
}

function parseJson(text: string | undefined): unknown {
  if (!text || !/^\s*[[{]/.test(text)) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function collectFromExchange(e: Exchange, secrets: Secrets): void {
  for (const body of [e.request.body, e.response.body]) {
    if (body === undefined) continue
    collectFromText(body, secrets)
    collectFromJson(parseJson(body), secrets)
  }
  collectFromJson(e.request.params, secrets)
  collectFromText(e.request.url, secrets)
  for (const headers of [e.request.headers, e.response.headers]) {
    for (const [k, v] of Object.entries(headers)) {
      for (const one of Array.isArray(v) ? v : [v]) {
        if (k === 'authorization') secrets.add(one.replace(/^\S+\s+/, ''))
        // A cookie's value (`name=value`), not its attributes (`Path=/`, `HttpOnly`).
        else if (k === 'cookie') for (const c of one.split(/;\s*/)) secrets.add(c.slice(c.indexOf('=') + 1))
        else if (k === 'set-cookie') secrets.add(one.split(';')[0]!.slice(one.indexOf('=') + 1))
        else collectFromText(one, secrets)
      }
    }
  }
  if (e.dpop && hasPrivateMembers(e.dpop.header.jwk)) collectFromJws(e.dpop.raw, secrets)
}

/**
 * Every secret a scenario's raw transcript shows (what the World minted and what it saw), plus secret-looking
 * values in `texts` (the client's log, error messages).
 */
export function collectSecrets(entries: readonly TranscriptEntry[], texts: readonly (string | undefined)[] = []): Secrets {
  const secrets = new Secrets()
  for (const e of entries) {
    if (e.kind === 'http') collectFromExchange(e, secrets)
    else if (e.kind === 'note') collectFromJson(e.data, secrets)
    else if (e.outcome.status === 'ok') collectFromJson(e.outcome.result, secrets)
    else collectFromText(e.outcome.message, secrets)
  }
  for (const t of texts) if (t) collectFromText(t, secrets)
  return secrets
}

/** A text with every known secret and every secret-looking value replaced; lone surrogates become U+FFFD. */
export function redactText(text: string, secrets: Secrets = new Secrets()): string {
  return wellFormed(secrets.replace(text))
    .replace(SECRET_PATTERN, (_, a: string, v: string, b: string) => a + redactValue(v) + b)
    .replace(PRIVATE_JWK_PATTERN, (_, a: string, _q: string, _v: string, b: string) => `${a}${PRIVATE_KEY}${b}`)
    .replace(FORM_PATTERN, (_, a: string, v: string) => a + encode(redactValue(safeDecode(v))))
    .replace(PEM_PRIVATE_KEY, (_, kind: string) => `[redacted ${kind.toLowerCase()}]`)
}

function redactHeaders(headers: Headers, secrets: Secrets): Headers {
  const out: Headers = {}
  for (const [k, v] of Object.entries(headers)) {
    const one = (s: string) =>
      k === 'authorization'
        ? s.replace(/^(\S+\s+)(.+)$/, (_, a: string, t: string) => a + redactValue(t))
        : k === 'cookie' || k === 'set-cookie'
          ? '[redacted]'
          : redactText(s, secrets)
    out[redactText(k, secrets)] = Array.isArray(v) ? v.map(one) : one(v)
  }
  return out
}

/** Limits for data the report keeps whole (bodies the mocks accepted are at most 1 MiB; nesting is cut). */
const REPORT_VALUE_LIMITS: ValueLimits = { maxString: 2 * 1024 * 1024, maxDepth: 48, maxEntries: 10_000, maxTotal: 4 * 1024 * 1024 }

/**
 * A JSON copy with secrets redacted, walked value by value (a regex over JSON text could break its escapes):
 * secret fields are hashed, private members of JWKs dropped, other strings (and keys) redacted as text.
 * Whatever a client returned (a cycle, a BigInt, a structure nested too deep to serialise) never breaks the report.
 */
function redactJson(value: unknown, secrets: Secrets, redact = true): unknown {
  const walk = (v: unknown, key?: string, jwk = false): unknown => {
    if (typeof v === 'string') {
      if (!redact) return wellFormed(v)
      if (key !== undefined && SECRET_FIELDS.includes(key)) return redactValue(v)
      if (jwk && key !== undefined && PRIVATE_JWK_MEMBERS.includes(key)) return PRIVATE_KEY
      return redactText(v, secrets)
    }
    if (Array.isArray(v)) return v.map((x) => walk(x))
    if (v && typeof v === 'object') {
      const isJwk = 'kty' in v
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact ? redactText(k, secrets) : wellFormed(k), walk(x, k, isJwk)]))
    }
    return v
  }
  return walk(boundValue(value, REPORT_VALUE_LIMITS))
}

function hasPrivateMembers(jwk: unknown): boolean {
  return typeof jwk === 'object' && jwk !== null && PRIVATE_JWK_MEMBERS.some((m) => m in jwk)
}

/** A DPoP proof whose header `jwk` is a private key: the raw proof would carry it, base64url-encoded. */
function redactProof(e: Exchange, secrets: Secrets): { headers: Headers; dpop: Exchange['dpop'] } {
  const headers = redactHeaders(e.request.headers, secrets)
  if (!e.dpop) return { headers, dpop: undefined }
  const header = redactJson(e.dpop.header, secrets) as Record<string, unknown>
  const payload = redactJson(e.dpop.payload, secrets) as Record<string, unknown>
  if (!hasPrivateMembers(e.dpop.header.jwk)) return { headers, dpop: { header, payload, raw: redactText(e.dpop.raw, secrets) } }
  // The header's jwk is a key whether or not it says `kty`.
  const jwk = Object.fromEntries(Object.entries(header.jwk as Record<string, unknown>).map(([k, v]) => [k, PRIVATE_JWK_MEMBERS.includes(k) ? PRIVATE_KEY : v]))
  return { headers: { ...headers, dpop: PRIVATE_PROOF }, dpop: { header: { ...header, jwk }, payload, raw: PRIVATE_PROOF } }
}

/**
 * A copy of the transcript safe to write into reports: tokens, codes, verifiers, assertions and passwords
 * are shortened and hashed (the same secret always gives the same stand-in), wherever they occur; private JWK
 * members are dropped. DPoP proofs carry only public keys and stay readable (a proof that carries a private key
 * does not). `secrets` defaults to what these entries show.
 */
export function redactTranscript(entries: readonly TranscriptEntry[], secrets: Secrets = collectSecrets(entries)): TranscriptEntry[] {
  const text = (s: string) => redactText(s, secrets)
  return entries.map((e): TranscriptEntry => {
    if (e.kind === 'note') return { ...e, text: text(e.text), ...(e.data === undefined ? {} : { data: redactJson(e.data, secrets) }) }
    if (e.kind === 'step') {
      // What a client reports (its session, a refusal message) may carry a token too.
      const o = e.outcome
      if (o.status !== 'ok') return { ...e, outcome: { ...o, code: text(o.code), message: text(o.message) } }
      return o.result === undefined ? e : { ...e, outcome: { ...o, result: redactJson(o.result, secrets) } }
    }
    const { headers, dpop } = redactProof(e, secrets)
    return {
      ...e,
      dpop,
      request: {
        ...e.request,
        url: text(e.request.url),
        path: text(e.request.path),
        headers,
        body: e.request.body === undefined ? undefined : text(e.request.body),
        params: e.request.params === undefined ? undefined : (redactJson(e.request.params, secrets) as Record<string, unknown>),
      },
      response: {
        ...e.response,
        headers: redactHeaders(e.response.headers, secrets),
        body: e.response.body === undefined ? undefined : text(e.response.body),
      },
    }
  })
}

/** The transcript as recorded, only made well-formed (lone surrogates) and bounded in depth: `--no-redact`. */
function unredactedTranscript(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  return entries.map((e) => redactJson(e, new Secrets(), false) as TranscriptEntry)
}

/** Longest free text of a verdict or a scenario reason in a report (they quote client text, already bounded). */
const MAX_VERDICT_TEXT = 64 * 1024

/**
 * A scenario result ready for every writer: secrets redacted by value and by pattern in every string (the
 * transcript, check texts, the scenario's reason, the client's log), free texts bounded, and every string
 * well-formed. With `redact: false` (`--no-redact`) secrets stay, but the rest still applies.
 */
export function reportSafeResult(result: ScenarioResult, options: { redact: boolean }): ScenarioResult {
  const secrets = options.redact ? collectSecrets(result.transcript, [result.clientLog, result.reason]) : new Secrets()
  const text = (s: string) => {
    const bounded = boundText(s, MAX_VERDICT_TEXT)
    return options.redact ? redactText(bounded, secrets) : wellFormed(bounded)
  }
  const optional = (s: string | undefined) => (s === undefined ? undefined : text(s))
  const check = (c: Verdict): Verdict => ({
    ...c,
    title: text(c.title),
    ...(c.expected === undefined ? {} : { expected: text(c.expected) }),
    ...(c.observed === undefined ? {} : { observed: text(c.observed) }),
    ...(c.reason === undefined ? {} : { reason: text(c.reason) }),
    evidence: c.evidence.map(text),
  })
  return {
    ...result,
    checks: result.checks.map(check),
    ...(result.reason === undefined ? {} : { reason: optional(result.reason) }),
    ...(result.clientLog === undefined ? {} : { clientLog: optional(result.clientLog) }),
    transcript: options.redact ? redactTranscript(result.transcript, secrets) : unredactedTranscript(result.transcript),
  }
}
