import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../harness/runner.ts'
import { writeReports } from '../../reports/write.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { activeResources, leakedSince } from '../helpers/leaks.ts'
import { checkOutputs, HOSTILE_NAME, hostileClients, type HostileClient } from './hostile-clients.ts'
import { leakingClient, type Leaked } from './leaking-client.ts'

/**
 * Clients that leak their secrets into error messages, stderr and session fields, mixed with workflow commands,
 * escape sequences, lone surrogates and markup, and that attack the driver framing (answers near and over the
 * line limit, nested 100 000 deep, 150 000 items wide), through every driver kind. Every run completes, every
 * report file is written and valid, and no output holds a secret, a command, raw control text or an unbounded size.
 */
const login = SCENARIOS.find((s) => s.id === 'login-with-handle')!
const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

/** Whether a process (or its group) is still alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function runHostile(client: HostileClient) {
  const before = activeResources()
  const started = await client.start()
  try {
    const report = await runSuite({ scenarios: [login], driver: started.driver, clientName: HOSTILE_NAME, driverKind: started.driverKind, timeoutMs: 10_000 })
    const dir = await mkdtemp(join(tmpdir(), 'aoc-hostile-'))
    dirs.push(dir)
    await writeReports(dir, report)
    const secrets = await started.leaked()
    const sizes = Object.fromEntries(await Promise.all(['report.json', 'report.html', 'summary.md', 'junit.xml'].map(async (f) => [f, (await stat(join(dir, f))).size] as const)))
    return { report, problems: await checkOutputs(dir, report, secrets), secrets, sizes, pids: started.pids, before }
  } finally {
    await started.close()
  }
}

describe('hostile clients against every output', () => {
  for (const client of hostileClients(1)) {
    it(`${client.name}: the run completes; reports valid, bounded, with no secret, command or control text`, async () => {
      const { report, problems, secrets, sizes, pids, before } = await runHostile(client)
      const [result] = report.scenarios
      expect(problems).toEqual([])
      // The client did log in and leak real secrets (the run did not just stop early).
      if (!client.name.includes('over-limit')) expect(secrets.length, 'secrets leaked').toBeGreaterThanOrEqual(3)
      expect(result!.transcript.some((e) => e.kind === 'http' && e.request.path === '/oauth/token')).toBe(true)
      // A leak is the client's refusal (FAIL); a broken framing is the client's ERROR; a deep or wide answer is
      // only cut (the login itself was good); never a harness failure.
      expect(client.name.match(/deep|wide/) ? ['PASS'] : ['FAIL', 'ERROR']).toContain(result!.verdict)
      expect(result!.checks.filter((c) => c.checkId === 'harness.mock')).toEqual([])
      if (client.name.includes('over-limit')) {
        expect(result!.checks.find((c) => c.checkId === 'harness.driver')?.reason).toMatch(/ERR_DRIVER_PROTOCOL: .*(longer than 4194304 bytes)/)
      }
      if (client.name.includes('near-limit')) {
        const step = result!.transcript.find((e) => e.kind === 'step' && e.op === 'call')
        expect(step?.kind === 'step' && step.outcome.status !== 'ok' && step.outcome.message).toMatch(/… \[cut: \d{6,} bytes\]$/)
      }
      // A 4 MiB answer is cut to its first 64 KiB: every file stays far below the size of what the client sent.
      for (const size of Object.values(sizes)) expect(size).toBeLessThan(1024 * 1024)
      for (const pid of pids) expect(alive(pid), `client process ${pid} left running`).toBe(false)
      expect(await leakedSince(before), 'sockets, servers or timers left open').toEqual({})
    }, 30_000)
  }

  it('the output checks can fail: without redaction the secrets show, and raw text is caught', async () => {
    const leaked: Leaked = { secrets: [] }
    const report = await runSuite({ scenarios: [login], driver: () => leakingClient({ leaked }), clientName: HOSTILE_NAME, noRedact: true })
    const dir = await mkdtemp(join(tmpdir(), 'aoc-hostile-raw-'))
    dirs.push(dir)
    await writeReports(dir, report)
    await writeFile(join(dir, 'summary.md'), 'ok\n::add-mask::x \u001b[31m<script>alert(1)</script>')
    const problems = await checkOutputs(dir, report, leaked.secrets)
    expect(problems.some((p) => p.startsWith('report.json contains the secret'))).toBe(true)
    expect(problems.some((p) => p.startsWith('report.json contains a private JWK member'))).toBe(true)
    expect(problems).toContain('summary.md has a line that starts a workflow command: "::add-mask::x \\u001b[31m<script>alert(1)</script>"')
    expect(problems).toContain('summary.md has the raw control character U+001b')
    expect(problems).toContain('summary.md has injected markup')
  })
})
