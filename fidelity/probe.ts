/**
 * The fidelity probe: replays every recorded exchange against a target, folder by folder in recorded order,
 * with the same defect, and compares the answer with the recording (`compare.ts`).
 *
 * Nothing is hand-scripted per capture. The recorded request is re-sent with what must be fresh made fresh
 * and everything else kept byte for byte:
 * - URLs, `htu`, `Referer` and `Origin` name the target's origins: `/xrpc/*` and the protected-resource
 *   document go to the PDS origin, everything else to the issuer; the recorded second name of the server
 *   (`127.0.0.1:2583`) becomes the target's second loopback name;
 * - values the server handed out (request_uris, codes, tokens, DIDs, cookies, CSRF and ephemeral tokens) are
 *   replaced by the ones the target handed out at the same point (`ValueMap`), so a code used twice is
 *   used twice and a rotated-out refresh token is the rotated-out one;
 * - PKCE verifiers are regenerated (same length) and every challenge derived from them recomputed (also the
 *   padded standard-base64 form); `state`, `client_id`, scopes and every other parameter stay as recorded;
 * - DPoP proofs are re-signed (`ProofReplayer`): one fresh key per recorded key, one fresh jti per recorded
 *   jti, `iat` at the recorded offset, `ath` of the live token, and the nonce the target handed out at the
 *   point where the recorded one was handed out (the latest one, or an older one for the nonce watch);
 * - the sign-in and consent steps of the recorded login flows run through the target's own UI: the
 *   reference UI API replayed as recorded (`ui: 'reference'`), or the mock's consent form (`ui: 'mock'`),
 *   and the redirect it answers stands for the recorded `/oauth/authorize/redirect`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { hiddenInputs } from '../harness/user-agent.ts'
import { accessTokenHash } from '../protocol/jwk.ts'
import {
  CAPTURE_FOLDERS,
  listCaptures,
  REFERENCE_ISSUER,
  REFERENCE_OTHER_ORIGIN,
  scopeOf,
  type Capture,
  type CaptureFolder,
  type ScopeArea,
} from './captures.ts'
import {
  compareFacts,
  factsOfCapture,
  factsOfResult,
  ORIGIN_DEPENDENT_FIELDS,
  type FieldDifference,
  type WireFacts,
} from './compare.ts'
import { header, headerLines, send, type HttpResult } from './http.ts'
import { decodeCompact, ProofReplayer } from './proofs.ts'
import { otherLoopbackName, type Target, type UiKind } from './target.ts'
import { ValueMap } from './values.ts'

export type Outcome = 'match' | 'differ' | 'out-of-scope' | 'skipped'

/** The probe's verdict on one recorded exchange. */
export interface CaptureResult {
  key: string
  name: string
  file: string
  folder: CaptureFolder
  area: ScopeArea
  description: string
  outcome: Outcome
  /** Why the exchange was not compared. */
  reason?: string
  /** A follow-up request that shows the side effect of an earlier one (its name has `-after-`). */
  followUp: boolean
  differences: FieldDifference[]
  recorded?: WireFacts
  observed?: WireFacts
  /** A driven UI step (not compared): the status the target answered. */
  drivenStatus?: number
  /** Recorded facts not compared because they depend on the one-origin setup (entryway targets). */
  originDependent?: string[]
}

export interface ProbeRun {
  /** `reference/self-hosted`, `strict/entryway`, `live`. */
  run: string
  target: string
  results: CaptureResult[]
  durationMs: number
}

export interface ProbeOptions {
  folders?: readonly CaptureFolder[]
  /** A raw capture directory instead of the vendored bundles. */
  capturesDir?: string
}

/** A request the probe cannot reproduce against this target (reported as skipped, with the reason). */
class Unreproducible extends Error {}

const NAVIGATION = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
const NONCE_SHAPE = /^[A-Za-z0-9_-]{43}$/
const PKCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function recordedHeader(c: Capture, name: string): string | undefined {
  const lines = c.response.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v)
  return lines.length === 0 ? undefined : lines.join(', ')
}

function recordedJson(c: Capture): any {
  if (c.response.json !== undefined) return c.response.json
  try {
    return JSON.parse(c.response.body)
  } catch {
    return undefined
  }
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

function freshVerifier(length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const b of bytes) out += PKCE_ALPHABET[b % 64]
  return out
}

function isPdsPath(path: string): boolean {
  return path.startsWith('/xrpc/') || path.startsWith('/.well-known/oauth-protected-resource')
}

function paramOf(body: string | null, contentType: string | undefined, name: string): string | undefined {
  if (body === null) return undefined
  if (contentType?.includes('json')) {
    try {
      const v = JSON.parse(body)?.[name]
      return typeof v === 'string' ? v : undefined
    } catch {
      return undefined
    }
  }
  return new URLSearchParams(body).get(name) ?? undefined
}

function isObject(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

/** The hidden inputs of the mock's consent form. */
/** The replay of one folder: what recorded values mean at the target, so far. */
class FolderReplay {
  readonly values = new ValueMap()
  /** b64url(sha256(recorded access token)) → the same of the live one: `ath` follows the token. */
  readonly #ath = new Map<string, string>()
  readonly #proofs = new ProofReplayer()
  /** The last DPoP-Nonce the recorded server handed out. */
  #recordedLatestNonce: string | undefined
  /** Live nonce per target origin (the AS and PDS origins are one when self-hosted). */
  readonly #liveNonce = new Map<string, string>()
  /** Recorded nonce → the live nonce handed out by the exchange that first handed out the recorded one. */
  readonly #liveNonceAt = new Map<string, string>()
  /** Recorded `/oauth/authorize/redirect` URL → the redirect the mock's consent form answered. */
  readonly #redirects = new Map<string, HttpResult>()
  #lastPage: HttpResult | undefined
  /** The cookies the target set, as the recorded browser would send them back (the device cookie binds a request). */
  readonly #browserCookies = new Map<string, string>()
  ui: UiKind

  constructor(
    readonly target: Target,
    readonly captures: Capture[],
  ) {
    this.ui = target.ui
    this.values.set(REFERENCE_ISSUER, target.issuer)
    this.values.set('alice.test', target.account.handle)
    this.values.set('alice-pass', target.account.password)
    // PKCE: a fresh verifier of the same length for every recorded one, and every challenge derived from it.
    for (const c of captures) {
      if (c.request.method !== 'POST' || new URL(c.request.url).pathname !== '/oauth/token') continue
      const verifier = paramOf(c.request.body, c.request.headers['content-type'], 'code_verifier')
      if (!verifier || this.values.has(verifier)) continue
      const fresh = freshVerifier(verifier.length)
      this.values.set(verifier, fresh)
      const challenge = s256(verifier)
      this.values.set(challenge, s256(fresh))
      this.values.set(Buffer.from(challenge, 'base64url').toString('base64'), Buffer.from(s256(fresh), 'base64url').toString('base64'))
    }
  }

  /** The target origin serving a path (AS or PDS). */
  originFor(path: string): string {
    return isPdsPath(path) ? this.target.pds : this.target.issuer
  }

  /** Every origin of the target, written as the recorded issuer in Location shapes. */
  get origins(): string[] {
    const { issuer, pds } = this.target
    return [issuer, pds, otherLoopbackName(issuer), otherLoopbackName(pds)].filter((o): o is string => !!o)
  }

  #mapHtu(htu: string): string {
    for (const [recorded, other] of [
      [REFERENCE_ISSUER, false],
      [REFERENCE_OTHER_ORIGIN, true],
    ] as const) {
      const head = htu.slice(0, recorded.length)
      if (head.toLowerCase() !== recorded) continue
      const rest = htu.slice(recorded.length)
      let path = rest
      try {
        path = new URL(rest, 'http://x').pathname
      } catch {
        // keep the raw rest
      }
      const base = this.originFor(path)
      const origin = other ? (otherLoopbackName(base) ?? base) : base
      const shaped = head === recorded ? origin : head === recorded.toUpperCase() ? origin.toUpperCase() : origin
      return shaped + this.values.apply(rest)
    }
    return htu
  }

  #mapNonce(recorded: string, origin: string): string {
    if (recorded === this.#recordedLatestNonce) return this.#liveNonce.get(origin) ?? recorded
    const earlier = this.#liveNonceAt.get(recorded)
    if (earlier !== undefined) return earlier
    // A real nonce from before this folder's first exchange: the target's current one.
    if (NONCE_SHAPE.test(recorded)) return this.#liveNonce.get(origin) ?? recorded
    return recorded
  }

  /** Learns the target's nonce without side effects: a PAR with no parameters, or a malformed token at the PDS. */
  async #warm(origin: string): Promise<void> {
    const res =
      origin === this.target.pds && this.target.pds !== this.target.issuer
        ? await send(`${origin}/xrpc/com.atproto.server.getSession`, { headers: { authorization: 'DPoP not.a.jwt' } })
        : await send(`${origin}/oauth/par`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: '',
          })
    const nonce = header(res, 'dpop-nonce')
    if (nonce !== undefined) this.#liveNonce.set(origin, nonce)
  }

  async #proof(recorded: string, c: Capture, nonceOrigin: string): Promise<string> {
    const decoded = decodeCompact(recorded)
    if (typeof decoded?.payload.nonce === 'string' && !this.#liveNonce.has(nonceOrigin)) await this.#warm(nonceOrigin)
    const proof = this.#proofs.resign(recorded, c.time, {
      htu: (h) => this.#mapHtu(h),
      nonce: (n) => this.#mapNonce(n, nonceOrigin),
      ath: (a) => this.#ath.get(a) ?? a,
      now: Date.now(),
    })
    for (const [rec, live] of this.#proofs.jktPairs()) this.values.set(rec, live)
    return proof ?? recorded
  }

  #mapCookies(value: string): string | undefined {
    const kept: string[] = []
    for (const pair of value.split(/;\s*/)) {
      const i = pair.indexOf('=')
      if (i < 0) continue
      const live = this.values.get(pair.slice(i + 1))
      if (live !== undefined) kept.push(`${pair.slice(0, i)}=${live}`)
    }
    return kept.length > 0 ? kept.join('; ') : undefined
  }

  #mapBody(body: string, contentType: string | undefined): string {
    if (contentType?.includes('json')) {
      try {
        return JSON.stringify(this.values.applyJson(JSON.parse(body)))
      } catch {
        // not JSON after all: map it as text
      }
    }
    return this.values.apply(body)
  }

  /** The recorded request, made to mean at the target what it meant at the reference. */
  async request(c: Capture): Promise<{ url: string; method: string; headers: Record<string, string>; body?: string }> {
    const recorded = new URL(c.request.url)
    const base = this.originFor(recorded.pathname)
    let origin: string
    if (recorded.origin === REFERENCE_ISSUER) origin = base
    else if (recorded.origin === REFERENCE_OTHER_ORIGIN) {
      const other = otherLoopbackName(base)
      if (!other) throw new Unreproducible(`needs a second loopback name for ${base} (127.0.0.1 ↔ localhost)`)
      origin = other
    } else throw new Unreproducible(`recorded request to ${recorded.origin}`)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(c.request.headers)) {
      if (['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)) continue
      if (name === 'dpop') headers.dpop = value === '' ? '' : await this.#proof(value, c, base)
      else if (name === 'cookie') {
        const cookies = this.#mapCookies(value)
        if (cookies !== undefined) headers.cookie = cookies
      } else headers[name] = this.values.apply(value)
    }
    const body = c.request.body === null ? undefined : this.#mapBody(c.request.body, c.request.headers['content-type'])
    return { url: origin + recorded.pathname + this.values.apply(recorded.search), method: c.request.method, headers, body }
  }

  async #send(c: Capture): Promise<HttpResult> {
    const r = await this.request(c)
    return send(r.url, { method: r.method, headers: r.headers, body: r.body })
  }

  #learnUrl(recorded: string, live: string | undefined): void {
    if (live === undefined) return
    try {
      const a = new URL(recorded)
      const b = new URL(live)
      for (const name of ['code', 'request_uri']) this.values.set(a.searchParams.get(name) ?? undefined, b.searchParams.get(name) ?? undefined)
    } catch {
      // not URLs
    }
  }

  #learnJson(recorded: unknown, live: unknown): void {
    if (!isObject(recorded) || !isObject(live)) return
    for (const key of ['request_uri', 'access_token', 'refresh_token', 'sub', 'did', 'ephemeralToken', 'code']) {
      const a = recorded[key]
      const b = live[key]
      if (typeof a !== 'string' || typeof b !== 'string') continue
      this.values.set(a, b)
      if (key === 'access_token') this.#ath.set(accessTokenHash(a), accessTokenHash(b))
    }
    this.#learnJson(recorded.account, live.account)
    if (typeof recorded.url === 'string' && typeof live.url === 'string') {
      this.values.set(recorded.url, live.url)
      this.#learnUrl(recorded.url, live.url)
    }
  }

  #learnCookies(recorded: [string, string][], live: [string, string][]): void {
    const cookies = (headers: [string, string][]) => {
      const out = new Map<string, string>()
      for (const [k, v] of headers) {
        if (k.toLowerCase() !== 'set-cookie') continue
        const pair = v.split(';')[0]!
        const i = pair.indexOf('=')
        if (i > 0) out.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim())
      }
      return out
    }
    const liveCookies = cookies(live)
    for (const [name, value] of cookies(recorded)) this.values.set(value, liveCookies.get(name))
    for (const [name, value] of liveCookies) this.#browserCookies.set(name, value)
  }

  /** Learns what the target handed out in place of what the recorded server handed out. */
  learn(c: Capture, res: HttpResult): void {
    const nonceOrigin = this.originFor(new URL(c.request.url).pathname)
    const recordedNonce = recordedHeader(c, 'dpop-nonce')
    const liveNonce = header(res, 'dpop-nonce')
    if (liveNonce !== undefined) this.#liveNonce.set(nonceOrigin, liveNonce)
    if (recordedNonce !== undefined) {
      if (!this.#liveNonceAt.has(recordedNonce) && liveNonce !== undefined) this.#liveNonceAt.set(recordedNonce, liveNonce)
      this.#recordedLatestNonce = recordedNonce
    }
    this.#learnJson(recordedJson(c), res.json)
    const recordedLocation = recordedHeader(c, 'location')
    if (recordedLocation !== undefined) this.#learnUrl(recordedLocation, header(res, 'location'))
    this.#learnCookies(c.response.headers, res.rawHeaders)
    if (c.request.method === 'GET' && new URL(c.request.url).pathname === '/oauth/authorize' && res.status === 200) {
      this.#lastPage = res
    }
  }

  #uiKind(): 'mock' | 'reference' {
    if (this.ui === 'auto') {
      // The reference page is a React shell carrying `__authorizeData`; the mock's is a plain form.
      this.ui = this.#lastPage && !this.#lastPage.text.includes('__authorizeData') ? 'mock' : 'reference'
    }
    return this.ui
  }

  /** One step of the recorded sign-in / consent: driven through the target's UI, never compared. */
  async uiStep(c: Capture): Promise<number | undefined> {
    if (this.#uiKind() === 'reference') {
      const res = await this.#send(c)
      this.learn(c, res)
      return res.status
    }
    const path = new URL(c.request.url).pathname
    const decision = path.endsWith('/consent') ? 'approve' : path.endsWith('/reject') ? 'deny' : undefined
    const redirectUrl = recordedJson(c)?.url
    const referer = c.request.headers.referer
    if (!decision || c.response.status !== 200 || typeof redirectUrl !== 'string' || !referer) return undefined
    const res = await this.#mockConsent(this.values.apply(referer), decision)
    this.#redirects.set(redirectUrl, res)
    this.#learnUrl(redirectUrl, header(res, 'location'))
    return res.status
  }

  /** The mock's consent form: open the page, sign in as the target's account, approve or deny. */
  async #mockConsent(authorizeUrl: string, decision: 'approve' | 'deny'): Promise<HttpResult> {
    const cookie = [...this.#browserCookies].map(([k, v]) => `${k}=${v}`).join('; ') || undefined
    const page = await send(authorizeUrl, { headers: { ...NAVIGATION, cookie } })
    const set = headerLines(page, 'set-cookie').map((c) => c.split(';')[0]!)
    for (const pair of set) this.#browserCookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
    if (page.status !== 200) return page
    const form = hiddenInputs(page.text)
    form.set('username', this.target.account.handle)
    form.set('password', this.target.account.password)
    form.set('decision', decision)
    const cookies = [...this.#browserCookies].map(([k, v]) => `${k}=${v}`).join('; ') || undefined
    return send(new URL('/oauth/authorize/consent', authorizeUrl).href, {
      method: 'POST',
      headers: { ...NAVIGATION, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: form.toString(),
    })
  }

  /** The answer to one in-scope exchange. */
  async exchange(c: Capture): Promise<HttpResult> {
    const path = new URL(c.request.url).pathname
    if (path === '/oauth/authorize/redirect' && this.#uiKind() === 'mock') {
      const res = this.#redirects.get(c.request.url)
      if (!res) throw new Error('the mock consent form gave no redirect for this flow')
      this.learn(c, res)
      return res
    }
    const res = await this.#send(c)
    this.learn(c, res)
    return res
  }
}

/** Moves a World clock so a folder starts at its recorded phase within the minute (nonce rotation). */
function alignPhase(clock: NonNullable<Target['clock']>, recordedStart: number): void {
  const phase = (((recordedStart % 60_000) - (clock.now() % 60_000)) % 60_000 + 60_000) % 60_000
  clock.advance(phase)
}

/** Runs the probe: every folder, every capture, in recorded order. */
export async function runProbe(target: Target, options: ProbeOptions = {}): Promise<ProbeRun> {
  const started = performance.now()
  const results: CaptureResult[] = []
  for (const folder of options.folders ?? CAPTURE_FOLDERS) {
    const captures = listCaptures(folder, options.capturesDir)
    if (captures.length === 0) continue
    const replay = new FolderReplay(target, captures)
    const clock = target.clock
    if (clock) alignPhase(clock, Date.parse(captures[0]!.time))
    let previous = Date.parse(captures[0]!.time)
    const ignore = target.pds === target.issuer ? [] : ORIGIN_DEPENDENT_FIELDS
    /** The last compared exchange: its server role and the nonces both sides handed out. */
    let last: { role: string; recorded?: string; live?: string } | undefined
    for (const c of captures) {
      const scope = scopeOf(c)
      const base = {
        key: c.key,
        name: c.name,
        file: c.file,
        folder: c.folder,
        area: scope.area,
        description: c.description,
        followUp: c.name.includes('-after-'),
        differences: [] as FieldDifference[],
      }
      if (scope.needsClock && !clock) {
        results.push({ ...base, outcome: 'skipped', reason: 'the nonce watch needs a target clock the probe can move (2.5 recorded minutes)' })
        continue
      }
      const t = Date.parse(c.time)
      if (clock && t > previous) clock.advance(t - previous)
      previous = Math.max(previous, t)
      if (!scope.inScope) {
        let drivenStatus: number | undefined
        let reason = scope.reason
        try {
          if (scope.area === 'ui-api') drivenStatus = await replay.uiStep(c)
        } catch (err) {
          // Not compared either way; the flow's later exchanges will show what the failed step cost.
          reason = `${reason}; driving it failed: ${(err as Error).message}`
        }
        results.push({ ...base, outcome: 'out-of-scope', reason, ...(drivenStatus !== undefined ? { drivenStatus } : {}) })
        continue
      }
      const recorded = factsOfCapture(c)
      const role = isPdsPath(new URL(c.request.url).pathname) ? 'pds' : 'as'
      try {
        const res = await replay.exchange(c)
        const observed = factsOfResult(res, replay.origins)
        const now = { role, recorded: recordedHeader(c, 'dpop-nonce'), live: header(res, 'dpop-nonce') }
        if (last && last.role !== role && last.recorded !== undefined && now.recorded !== undefined) {
          recorded.sharedNonce = last.recorded === now.recorded
          observed.sharedNonce = last.live !== undefined && last.live === now.live
        }
        last = now
        const differences = compareFacts(recorded, observed, { ignore })
        const skippedFields = recorded.sharedNonce !== undefined ? ignore.filter((f) => f === 'shared-nonce') : []
        results.push({
          ...base,
          outcome: differences.length === 0 ? 'match' : 'differ',
          differences,
          recorded,
          observed,
          ...(skippedFields.length > 0 ? { originDependent: [...skippedFields] } : {}),
        })
      } catch (err) {
        if (err instanceof Unreproducible) {
          results.push({ ...base, outcome: 'skipped', reason: err.message })
          continue
        }
        const observed = `no answer: ${(err as Error).message}`
        results.push({ ...base, outcome: 'differ', differences: [{ field: 'exchange', recorded: 'answered', observed }], recorded })
      }
    }
  }
  return { run: target.run, target: target.label, results, durationMs: Math.round(performance.now() - started) }
}

/** Counts of one run. */
export interface ProbeSummary {
  compared: number
  matched: number
  differ: number
  outOfScope: number
  skipped: number
  followUps: number
}

export function summarize(run: ProbeRun): ProbeSummary {
  const count = (o: Outcome) => run.results.filter((r) => r.outcome === o).length
  return {
    compared: count('match') + count('differ'),
    matched: count('match'),
    differ: count('differ'),
    outOfScope: count('out-of-scope'),
    skipped: count('skipped'),
    followUps: run.results.filter((r) => r.followUp && (r.outcome === 'match' || r.outcome === 'differ')).length,
  }
}
