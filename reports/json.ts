import type { RunReport } from './schema.ts'

// Characters JSON allows raw inside a string but that terminals, editors and some parsers treat specially: DEL and
// the C1 controls (U+009B starts a terminal escape sequence), the line and paragraph separators (line breaks in
// JavaScript before ES2019), and bidirectional overrides and isolates.
const RISKY = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

/**
 * report.json: valid for strict JSON parsers (RFC 8259 and I-JSON, RFC 7493 §2.1: no lone surrogates, which
 * JSON.stringify would write as `\ud800` escapes that serde_json and others refuse), with every control
 * character escaped (JSON.stringify escapes U+0000–U+001F; the rest are escaped here). The one JSON escape.
 */
export function renderJson(report: RunReport): string {
  const text = JSON.stringify(report, null, 2)
  // JSON.stringify writes a surrogate as an escape only when it is lone (keys included): each such escape (not
  // itself escaped, i.e. after an even number of backslashes) becomes U+FFFD. RISKY characters occur only inside
  // strings (JSON's own syntax is ASCII), so escaping them keeps the JSON valid.
  return `${text
    .replace(LONE_SURROGATE_ESCAPE, (_, backslashes: string) => `${backslashes}\ufffd`)
    .replace(RISKY, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`
}
