/**
 * Caps on what a client under test hands the harness (driver answers, error messages, results): every string,
 * every nesting level, every array and object, and the whole value. A client is untrusted code: one answer of
 * several megabytes, or a structure nested a million levels deep, must not become a report that cannot be
 * written. What is cut says so, in place: `… [cut: N bytes]`.
 */
import type { StepOutcome } from '../../model/transcript.ts'

export interface ValueLimits {
  /** Characters kept of one string. */
  maxString: number
  /** Nesting levels kept; deeper values become a cut marker. */
  maxDepth: number
  /** Items kept of one array, members of one object. */
  maxEntries: number
  /** Characters (roughly: JSON text) kept of the whole value; what comes after the budget is cut. */
  maxTotal: number
}

/** Limits for one driver answer or step outcome: far above any real session or error, far below a flood. */
export const CLIENT_VALUE_LIMITS: ValueLimits = { maxString: 64 * 1024, maxDepth: 32, maxEntries: 1000, maxTotal: 256 * 1024 }

/** The marker that replaces a cut tail: `… [cut: 4194240 bytes]` (UTF-8 bytes of what was dropped). */
export function cutMarker(droppedBytes: number): string {
  return `… [cut: ${droppedBytes} bytes]`
}

/** `text` cut to at most `max` characters plus a marker; never splits a surrogate pair. */
export function boundText(text: string, max: number = CLIENT_VALUE_LIMITS.maxString): string {
  if (text.length <= max) return text
  let end = Math.max(0, max)
  const last = text.charCodeAt(end - 1)
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}${cutMarker(Buffer.byteLength(text.slice(end)))}`
}

/**
 * A copy of `value` within `limits`: plain data (strings, numbers, booleans, null, arrays, objects); anything
 * else (a function, a symbol, a BigInt) as its string form; a Date as its ISO string. Cycles end at the depth
 * limit. Never throws, whatever an in-process client returned (a getter that throws becomes a marker).
 */
export function boundValue(value: unknown, limits: ValueLimits = CLIENT_VALUE_LIMITS): unknown {
  let budget = limits.maxTotal
  const take = (text: string): string => {
    const s = boundText(text, Math.min(limits.maxString, Math.max(0, budget)))
    budget -= s.length + 2
    return s
  }
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return take(v)
    if (v === null || v === undefined || typeof v === 'boolean') return v
    if (typeof v === 'number') {
      budget -= 8
      return v
    }
    if (typeof v !== 'object') return take(String(v))
    if (v instanceof Date) return take(Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString())
    if (depth >= limits.maxDepth) {
      budget -= 32
      return `[cut: nested deeper than ${limits.maxDepth} levels]`
    }
    if (Array.isArray(v)) {
      const out: unknown[] = []
      for (let i = 0; i < v.length; i++) {
        if (i >= limits.maxEntries || budget <= 0) {
          out.push(`[cut: ${v.length - i} more items]`)
          break
        }
        budget -= 1
        out.push(walk(v[i], depth + 1))
      }
      return out
    }
    const out: Record<string, unknown> = {}
    let keys: string[]
    try {
      keys = Object.keys(v)
    } catch {
      return '[cut: an object that cannot be read]'
    }
    for (let i = 0; i < keys.length; i++) {
      if (i >= limits.maxEntries || budget <= 0) {
        out['[cut]'] = `${keys.length - i} more members`
        break
      }
      let member: unknown
      try {
        member = (v as Record<string, unknown>)[keys[i]!]
      } catch {
        member = '[cut: a member that cannot be read]'
      }
      if (typeof member === 'function' || member === undefined) continue
      const key = take(keys[i]!)
      out[key] = walk(member, depth + 1)
    }
    return out
  }
  return walk(value, 0)
}

/** A step outcome within the client limits: its result, or its error code and message. */
export function boundOutcome(outcome: StepOutcome): StepOutcome {
  if (outcome.status === 'ok') return outcome.result === undefined ? outcome : { status: 'ok', result: boundValue(outcome.result) }
  return { status: outcome.status, code: boundText(String(outcome.code), 200), message: boundText(String(outcome.message)) }
}
