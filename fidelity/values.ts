/**
 * Recorded value → live value: what a recorded request string means at the target. A request_uri, code,
 * token, DID, cookie or PKCE value the recording used is replaced by the one the target handed out (or the
 * probe generated) at the same point, wherever it appears — raw, percent-encoded or form-encoded.
 */
export class ValueMap {
  readonly #exact = new Map<string, string>()
  readonly #variants = new Map<string, string>()
  #pattern: RegExp | undefined

  /**
   * Maps a recorded value to a live one; the first mapping wins. An equal pair is remembered as known (a
   * cookie the target handed out with the recorded value is still sent back) but changes no text.
   */
  set(recorded: string | undefined, live: string | undefined): void {
    if (!recorded || live === undefined || this.#exact.has(recorded)) return
    this.#exact.set(recorded, live)
    if (recorded === live) return
    const add = (from: string, to: string) => {
      if (!this.#variants.has(from)) this.#variants.set(from, to)
    }
    add(recorded, live)
    add(encodeURIComponent(recorded), encodeURIComponent(live))
    add(formEncode(recorded), formEncode(live))
    this.#pattern = undefined
  }

  /** The live value of a whole recorded value, if one is known. */
  get(recorded: string): string | undefined {
    return this.#exact.get(recorded)
  }

  has(recorded: string): boolean {
    return this.#exact.has(recorded)
  }

  get size(): number {
    return this.#exact.size
  }

  /** Replaces every known recorded value inside a string (longest first, one pass). */
  apply(text: string): string {
    if (this.#variants.size === 0 || text === '') return text
    if (!this.#pattern) {
      const keys = [...this.#variants.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp)
      this.#pattern = new RegExp(keys.join('|'), 'g')
    }
    return text.replace(this.#pattern, (m) => this.#variants.get(m) ?? m)
  }

  /** Replaces known values inside every string of a JSON value (keys and structure kept). */
  applyJson(value: unknown): unknown {
    if (typeof value === 'string') return this.apply(value)
    if (Array.isArray(value)) return value.map((v) => this.applyJson(v))
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.applyJson(v)]))
    }
    return value
  }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
