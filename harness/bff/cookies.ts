/** One `Set-Cookie` header, parsed (RFC 6265 §5.2, attributes by name, case-insensitive). */
export interface SetCookie {
  name: string
  value: string
  /** Attribute names lower-cased → value ('' for flags such as HttpOnly). */
  attributes: Record<string, string>
  raw: string
}

/** Parses one Set-Cookie header value. */
export function parseSetCookie(raw: string): SetCookie | undefined {
  const [pair, ...attrs] = raw.split(';')
  const eq = pair!.indexOf('=')
  if (eq <= 0) return undefined
  const attributes: Record<string, string> = {}
  for (const a of attrs) {
    const i = a.indexOf('=')
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase()
    if (key) attributes[key] = i < 0 ? '' : a.slice(i + 1).trim()
  }
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attributes, raw }
}

/** Whether a cookie deletes itself (Max-Age ≤ 0 or an Expires in the past, as backends write it on logout). */
function deletes(c: SetCookie, now: number): boolean {
  if ('max-age' in c.attributes) return Number(c.attributes['max-age']) <= 0
  const expires = c.attributes.expires ? Date.parse(c.attributes.expires) : NaN
  return !Number.isNaN(expires) && expires <= now
}

/**
 * The frontend's cookies for the backend's one origin. Paths and domains are not scoped: the backend is a
 * single origin, and the checks judge the attributes separately. The backend's public origin is https, so
 * Secure cookies are sent.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()
  constructor(private readonly now: () => number) {}

  /** Takes the Set-Cookie headers of a response. */
  store(setCookies: readonly string[]): void {
    for (const raw of setCookies) {
      const c = parseSetCookie(raw)
      if (!c) continue
      if (deletes(c, this.now())) this.#cookies.delete(c.name)
      else this.#cookies.set(c.name, c.value)
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  copy(): CookieJar {
    const jar = new CookieJar(this.now)
    for (const [k, v] of this.#cookies) jar.set(k, v)
    return jar
  }
}
