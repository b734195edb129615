import { tryDecodeJws } from '../protocol/jws.ts'

/** Header the harness's user agent sets so the judge (and the mock AS's navigation check) can tell its requests from the client's. */
export const ACTOR_HEADER = 'x-conformance-actor'

/** Which mock served an exchange. */
/** `backend`: a backend under test as its frontend sees it (harness/bff/). */
export type ServerName = 'as' | 'pds' | 'identity' | 'client-host' | 'backend'

/** Who sent a request: the client under test, the harness playing the user's browser, or the app's frontend (harness/bff/). */
export type Actor = 'client' | 'user-agent' | 'authorization-server' | 'frontend'

export type Headers = Record<string, string | string[]>

/** One HTTP request/response pair that reached a mock server. */
export interface Exchange {
  kind: 'http'
  /** Position in the transcript; also the reference used in verdict evidence (`#12`). */
  seq: number
  ref: string
  server: ServerName
  actor: Actor
  /** World clock time (ms) when the request arrived. */
  at: number
  /** The scenario step during which it happened (index into steps), -1 before the first step. */
  step: number
  /**
   * Arrival and completion on one counter shared by all exchanges, so concurrent requests can be ordered:
   * exchange A finished before B started exactly when `A.endTick < B.startTick`.
   */
  startTick: number
  endTick: number
  request: {
    method: string
    /** Public URL (the server's public origin + path + query). */
    url: string
    path: string
    headers: Headers
    body?: string
    /** Parsed form or JSON body fields, when the body was one. */
    params?: Record<string, unknown>
  }
  response: { status: number; headers: Headers; body?: string }
  /**
   * Set when the request never reached the server, with why: e.g. plain http to a World host that serves
   * https only (the connection is refused, as in production). `response.status` is then 0.
   */
  refused?: string
  /** The decoded DPoP proof the request carried, if any (not verified). */
  dpop?: { header: Record<string, unknown>; payload: Record<string, unknown>; raw: string }
}

/** A scenario step as the client reported it. */
export interface StepEvent {
  kind: 'step'
  seq: number
  ref: string
  step: number
  op: string
  at: number
  outcome: StepOutcome
}

/** What a driver operation came back with. */
export type StepOutcome =
  | { status: 'ok'; result?: unknown }
  | { status: 'rejected'; code: string; message: string }
  | { status: 'error'; code: string; message: string }

/** A note by the harness itself (e.g. what the user agent tampered with). */
export interface NoteEvent {
  kind: 'note'
  seq: number
  ref: string
  step: number
  at: number
  text: string
  data?: unknown
}

export type TranscriptEntry = Exchange | StepEvent | NoteEvent

/** Every request, response, step outcome and note of one scenario, in order. */
export class Transcript {
  readonly entries: TranscriptEntry[] = []
  currentStep = -1
  #ticks = 0
  constructor(private readonly now: () => number) {}

  #next(): { seq: number; ref: string; at: number; step: number } {
    const seq = this.entries.length + 1
    return { seq, ref: `#${seq}`, at: this.now(), step: this.currentStep }
  }

  /** Advances the arrival/completion counter; a server calls it when a request arrives. */
  tick(): number {
    return ++this.#ticks
  }

  /** Records an exchange; the DPoP proof is decoded here so checks never parse headers. */
  addExchange(
    ex: Omit<Exchange, 'kind' | 'seq' | 'ref' | 'at' | 'step' | 'dpop' | 'startTick' | 'endTick'> & { startTick?: number },
  ): Exchange {
    const raw = headerValue(ex.request.headers, 'dpop')
    const decoded = raw ? tryDecodeJws(raw) : undefined
    const entry: Exchange = {
      kind: 'http',
      ...this.#next(),
      ...ex,
      startTick: ex.startTick ?? this.tick(),
      endTick: this.tick(),
      dpop: decoded && raw ? { header: decoded.header, payload: decoded.payload, raw } : undefined,
    }
    this.entries.push(entry)
    return entry
  }

  addStep(step: number, op: string, outcome: StepOutcome): StepEvent {
    const e: StepEvent = { kind: 'step', ...this.#next(), step, op, outcome }
    this.entries.push(e)
    return e
  }

  note(text: string, data?: unknown): NoteEvent {
    const e: NoteEvent = { kind: 'note', ...this.#next(), text, data }
    this.entries.push(e)
    return e
  }

  /** Exchanges, optionally filtered by server, actor, method and path. */
  exchanges(filter: { server?: ServerName; actor?: Actor; method?: string; path?: string } = {}): Exchange[] {
    return this.entries.filter(
      (e): e is Exchange =>
        e.kind === 'http' &&
        (filter.server === undefined || e.server === filter.server) &&
        (filter.actor === undefined || e.actor === filter.actor) &&
        (filter.method === undefined || e.request.method === filter.method) &&
        (filter.path === undefined || e.request.path === filter.path),
    )
  }

  /** The client's own requests that carried a DPoP proof. */
  withDpopProof(): (Exchange & { dpop: NonNullable<Exchange['dpop']> })[] {
    return this.exchanges({ actor: 'client' }).filter((e): e is Exchange & { dpop: NonNullable<Exchange['dpop']> } => !!e.dpop)
  }

  steps(): StepEvent[] {
    return this.entries.filter((e): e is StepEvent => e.kind === 'step')
  }
}

/** Reads one header (case-insensitive); joins repeated values with ", ". */
export function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()]
  return Array.isArray(v) ? v.join(', ') : v
}
