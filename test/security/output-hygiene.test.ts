import { describe, expect, it } from 'vitest'
import { boundText, boundValue, CLIENT_VALUE_LIMITS } from '../../harness/drivers/bounded-value.ts'
import { consoleText } from '../../harness/console.ts'
import { preview } from '../../harness/drivers/wire.ts'
import { collectSecrets, redactText } from '../../harness/redact.ts'
import { oneLine, wellFormed } from '../../model/text.ts'
import type { TranscriptEntry } from '../../model/transcript.ts'
import { renderJson } from '../../reports/json.ts'
import type { RunReport } from '../../reports/schema.ts'

describe('client text on the console', () => {
  it('stays on one line: newlines, escape sequences and controls cannot start a line or reach the terminal', () => {
    const hostile = 'ok\n::add-mask::secret\r\n::error::x\u2028::warning::y\u001b[2J\u001b]0;title\u0007\u009b31m\u202eevil\u0000'
    const text = consoleText(hostile)
    expect(text.split(/\r|\n|\u2028|\u2029/)).toHaveLength(1)
    expect(text).toBe('ok\\n::add-mask::secret\\r\\n::error::x\\u2028::warning::y\\u202eevil\\x00')
    expect(oneLine('lone \ud800 pair \u{1F600}')).toBe('lone \uFFFD pair \u{1F600}')
  })
})

describe('bounds on what a client sends', () => {
  it('cuts long strings with the number of bytes dropped, never inside a surrogate pair', () => {
    expect(boundText('a'.repeat(10), 4)).toBe('aaaa… [cut: 6 bytes]')
    expect(boundText('ab\u{1F600}', 3)).toBe('ab… [cut: 4 bytes]')
  })

  it('cuts depth, width and the whole size; never throws on values that cannot be read', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 10_000; i++) deep = [deep]
    expect(JSON.stringify(boundValue(deep))).toContain('[cut: nested deeper than 32 levels]')
    expect(typeof preview(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`))).toBe('string')
    const wide = boundValue(Array.from({ length: 5000 }, (_, i) => i)) as unknown[]
    expect(wide).toHaveLength(1001)
    expect(wide[1000]).toBe('[cut: 4000 more items]')
    const big = JSON.stringify(boundValue(Array.from({ length: 100 }, () => 'x'.repeat(60_000))))
    expect(big.length).toBeLessThan(CLIENT_VALUE_LIMITS.maxTotal + 10_000)
    const trap = { get boom(): never { throw new Error('no') }, n: 10n, f: () => 1, d: new Date(0) }
    expect(boundValue(trap)).toEqual({ boom: '[cut: a member that cannot be read]', n: '10', d: '1970-01-01T00:00:00.000Z' })
  })
})

describe('redaction by value', () => {
  it('replaces a token the World minted wherever it occurs, and private keys found by pattern everywhere', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkaWQ6cGxjOmFiYyJ9.sig-sig-sig'
    const refresh = 'ref-0123456789abcdef'
    const entries = [
      {
        kind: 'http', seq: 1, ref: '#1', server: 'as', actor: 'client', at: 0, step: 1, startTick: 1, endTick: 2,
        request: { method: 'POST', url: 'http://as/oauth/token', path: '/oauth/token', headers: {}, body: 'grant_type=authorization_code' },
        response: { status: 200, headers: {}, body: JSON.stringify({ access_token: token, refresh_token: refresh }) },
      },
    ] as TranscriptEntry[]
    const secrets = collectSecrets(entries, ['key {"kty":"EC","d":"private-key-material-123"}'])
    const out = redactText(`failed: ${refresh} with ${encodeURIComponent(token)}; d=private-key-material-123 \ud800`, secrets)
    expect(out).not.toContain(refresh)
    expect(out).not.toContain(token)
    expect(out).not.toContain('private-key-material-123')
    expect(out).toContain('[redacted private key]')
    expect(out).toMatch(/ref-…\[redacted sha256:[\w-]{10}\]/)
    expect(out.endsWith('\uFFFD')).toBe(true)
  })
})

describe('report.json for strict parsers', () => {
  it('has no escaped lone surrogate and escapes C1 controls, separators and bidi overrides', () => {
    const text = renderJson({ a: 'x\ud800', ['k\udfff']: '\\ud800 \u009b \u2028 \u202e \u{1F600}' } as unknown as RunReport)
    expect(JSON.parse(text)).toEqual({ a: `x\uFFFD`, ['k\uFFFD']: '\\ud800 \u009b \u2028 \u202e \u{1F600}' })
    expect(text).not.toMatch(/(?<!\\)\\ud[89a-f]/i)
    expect(text).toContain('\\u009b \\u2028 \\u202e')
    expect(wellFormed('\udc00\ud800\udc00')).toBe('\uFFFD\ud800\udc00')
  })
})
