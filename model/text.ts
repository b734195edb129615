/**
 * Text a client under test wrote, made safe for a given output. A client's strings may carry anything: lone
 * UTF-16 surrogates (which no UTF-8 file can hold and strict JSON parsers refuse as escapes), control characters,
 * terminal escape sequences, bidirectional overrides. Each output format escapes in its own function; these are
 * the pieces they share.
 */

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** `text` with every lone surrogate replaced by U+FFFD, so it encodes as UTF-8 and as strict JSON. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD')
}

/** Whether `text` has a lone surrogate. */
export function hasLoneSurrogate(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0
  const found = LONE_SURROGATE.test(text)
  LONE_SURROGATE.lastIndex = 0
  return found
}

/**
 * Terminal escape sequences (ECMA-48): CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`, which can set a
 * window title or write a hyperlink), other `ESC x` pairs, and their 8-bit C1 forms (U+009B CSI, U+009D OSC).
 */
const TERMINAL_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]|\x1b/g

/** `text` without terminal escape sequences. */
export function stripTerminalSequences(text: string): string {
  return text.replace(TERMINAL_SEQUENCE, '')
}

/**
 * Characters that change how a terminal or an editor shows the text around them: C0 and C1 controls, DEL, line
 * and paragraph separators, bidirectional embeddings, overrides and isolates (CVE-2021-42574).
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Visible escapes for control characters: `\n`, `\t`, `\x1b`, `\u202e`. */
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
function visible(c: string): string {
  const n = c.charCodeAt(0)
  return NAMED[c] ?? (n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`)
}

/**
 * Client text for one line of a terminal or a CI log: escape sequences removed, every control character
 * (newlines included) shown as an escape, lone surrogates replaced. The result never spans two lines, so a
 * client cannot start a console line (GitHub Actions runs `::add-mask::`, `::error::` … at a line's start).
 */
export function oneLine(text: string): string {
  return wellFormed(stripTerminalSequences(String(text))).replace(CONTROL, visible)
}

/** Whether `text` holds a control character or an escape sequence that `oneLine` would escape. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0
  const found = CONTROL.test(text)
  CONTROL.lastIndex = 0
  return found
}
