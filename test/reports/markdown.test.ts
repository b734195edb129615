import { beforeAll, describe, expect, it } from 'vitest'
import { ALWAYS_ON_CHECKS } from '../../scenarios/checks/index.ts'
import { renderMarkdown } from '../../reports/markdown.ts'
import type { RunReport, ScenarioResult } from '../../reports/schema.ts'
import { sampleReport } from './sample-report.ts'

let report: RunReport
let md: string
beforeAll(async () => {
  report = await sampleReport()
  md = renderMarkdown(report)
})

const section = (text: string, heading: string) => {
  const start = text.indexOf(heading)
  expect(start, heading).toBeGreaterThanOrEqual(0)
  const next = text.indexOf('\n#### ', start + heading.length)
  return text.slice(start, next < 0 ? undefined : next)
}

describe('renderMarkdown', () => {
  it('opens with the outcome and a totals line', () => {
    const [title, , totals] = md.split('\n')
    expect(title).toBe('## ❌ atproto OAuth conformance: official — 2 failed')
    expect(totals).toMatch(/^\*\*2 passed\*\* \(1 with warnings\) · \*\*1 failed\*\* · \*\*1 errors\*\* · 1 skipped — 5 scenarios in \d+\.\d\d s$/)
  })

  it('has a table per family with every scenario', () => {
    expect([...md.matchAll(/^### (\w+)$/gm)].map((m) => m[1])).toEqual(['DISC', 'CONF', 'ISS', 'REFRESH', 'REVOKE', 'Findings'])
    expect(md).toMatch(/^\| ✅ PASS \| `login-with-handle` \| Logs in from a handle and calls the PDS \| \d+ pass, \d+ skip \| \d+ ms \|$/m)
    expect(md).toMatch(/^\| ⏭️ SKIP \| `restore-session` \| .* \| 1 skip \| \d+ ms \|$/m)
    expect(md).toMatch(/^\| ❌ FAIL \| `callback-iss-mismatch` \| .* \| 1 fail, \d+ pass, \d+ skip \| \d+ ms \|$/m)
  })

  it('lists each FAIL, ERROR and WARN with requirement, level, expected, observed, transcript and the fix', () => {
    const s = report.scenarios.find((r) => r.id === 'callback-iss-mismatch')!
    const check = s.checks.find((c) => c.status === 'FAIL')!
    const fail = section(md, '#### ❌ FAIL `callback-iss-mismatch`')
    expect(fail).toContain('- ❌ **FAIL** `scenario.expectation` · **ISS-03 MUST** — ')
    expect(fail).toContain(`  - expected: ${check.expected}`)
    expect(fail).toContain('  - observed: the client sent POST /oauth/token (\\#')
    expect(fail).toContain(`  - transcript: ${check.evidence.map((r) => `\`${r}\``).join(' ')}`)
    // The expectation is the scenario's own check: its fix is the scenario's.
    expect(fail).toContain(`  - **fix:** ${s.explain!.fix}`)

    const warn = section(md, '#### ⚠️ WARN `confidential-login`')
    expect(warn).toContain('**WARN** `conf.fresh-on-retry` · **NONCE-07 SHOULD**')
    // An always-on check's finding carries that check's fix, not the scenario's.
    const conf = report.scenarios.find((r) => r.id === 'confidential-login')!
    expect(warn).toContain(`  - **fix:** ${ALWAYS_ON_CHECKS.find((c) => c.id === 'conf.fresh-on-retry')!.fix.replace(/_/g, '\\_')}`)
    expect(warn).not.toContain(conf.explain!.fix.slice(0, 30))

    // An ERROR is a crash, not a client mistake the scenario's fix addresses; its stack stays in report.json.
    const error = section(md, '#### 💥 ERROR `sign-out-revokes`')
    expect(error).toContain('  - reason: ERR\\_DRIVER\\_CRASH: the driver threw Error: cannot start &lt;the&gt; "client" &amp; co …')
    expect(error).not.toContain('fix')
    expect(error).not.toContain('at Object.init')

    expect(md).not.toContain('#### ✅')
    expect(md).not.toContain('#### ⏭️')
  })

  it('escapes text so it cannot break a table, open a tag or start emphasis', () => {
    const s = report.scenarios[0]!
    const evil: RunReport = { ...report, scenarios: [{ ...s, title: 'a | b <script>x</script> *c* [d](e)\nf' }] }
    const row = renderMarkdown(evil).split('\n').find((l) => l.includes('`login-with-handle`'))!
    expect(row).toContain('a \\| b &lt;script&gt;x&lt;/script&gt; \\*c\\* \\[d\\](e) f')
    expect(row.split(/(?<!\\)\|/).length).toBe(7)
  })

  it('stays within a GitHub step summary (1 MiB) for a large failing run, and is deterministic', () => {
    const s = report.scenarios.find((r) => r.id === 'callback-iss-mismatch')!
    const long = 'x'.repeat(5_000)
    const many: ScenarioResult[] = Array.from({ length: 400 }, (_, i) => ({
      ...s,
      id: `scenario-${i}`,
      checks: s.checks.map((c) => ({ ...c, status: 'FAIL' as const, observed: long })),
    }))
    const out = renderMarkdown({ ...report, scenarios: many })
    expect(Buffer.byteLength(out)).toBeLessThan(1024 * 1024)
    expect(out).toMatch(/\n…and \d+ more scenarios with findings: see report\.html\.\n$/)
    expect(out).toContain('#### ❌ FAIL `scenario-0`')
    expect(renderMarkdown(report)).toBe(md)
  })
})
