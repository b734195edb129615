import { mkdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DriverContext } from '../../harness/drivers/types.ts'
import type { RunReport } from '../../reports/schema.ts'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
const path = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url))

/** The official client as a stdio program (examples/clients/official-stdio). */
export const OFFICIAL_STDIO = [process.execPath, '--import', 'tsx', path('examples/clients/official-stdio/main.ts')]
/**
 * The same program bundled into one JavaScript file (esbuild; packages stay imports): a run that spawns it per
 * scenario then pays for node and the client's packages, not for tsx compiling its sources each time (about
 * 0.8 s of each start). Written under node_modules/.cache so its imports resolve from the repository.
 */
export async function bundledOfficialStdio(): Promise<{ command: string[]; dispose(): Promise<void> }> {
  const { build } = await import('esbuild')
  mkdirSync(join(REPO, 'node_modules', '.cache'), { recursive: true })
  const dir = await mkdtemp(join(REPO, 'node_modules', '.cache', 'aoc-official-stdio-'))
  const outfile = join(dir, 'main.mjs')
  await build({ entryPoints: [path('examples/clients/official-stdio/main.ts')], outfile, bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' })
  return { command: [process.execPath, outfile], dispose: () => rm(dir, { recursive: true, force: true }) }
}
/** The dependency-free plain-JS client (examples/clients/plain-js-stdio). */
export const PLAIN_JS = [process.execPath, path('examples/clients/plain-js-stdio/main.js')]
/** The misbehaving client of the tests: `broken(mode, op)`. */
export const broken = (mode: string, op?: string) => [process.execPath, path('test/drivers/fixtures/broken-client.js'), mode, ...(op ? [op] : [])]

/** A context for driving a client without a World (it never gets as far as the network). */
export function fakeContext(documents: Record<string, unknown> = {}): DriverContext {
  return {
    handleResolver: 'http://127.0.0.1:9/',
    plcDirectoryUrl: 'http://127.0.0.1:9/',
    redirectUri: 'http://127.0.0.1:8080/callback',
    clientOrigin: 'https://client.world.internal',
    hostDocument: (p, body) => {
      documents[p] = body
      return `https://client.world.internal${p}`
    },
    clientKind: 'public',
    publishKeysBy: 'jwks',
    allowHttp: true,
    scenarioId: 'unit',
  }
}

/** Whether a process runs: a zombie (exited, not yet reaped by an init that does not reap) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return true
  }
}

/** The pids a test client printed to its stderr (`pid 123`, `helper pid 456`). */
export function pidsIn(log: string | undefined): number[] {
  return [...(log ?? '').matchAll(/\bpid (\d+)/g)].map((m) => Number(m[1]))
}

/** Scenario id → verdict and the ids of its checks that are not PASS or SKIP: what two drivers must agree on. */
export function verdicts(report: RunReport): Record<string, { verdict: string; checks: string[] }> {
  return Object.fromEntries(
    report.scenarios.map((s) => [
      s.id,
      { verdict: s.verdict, checks: s.checks.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP').map((c) => c.checkId).sort() },
    ]),
  )
}

/**
 * The pids of `pids` still running after at most `ms`. A killed process group dies asynchronously (the kernel
 * delivers SIGKILL after kill() returns, and a helper is reaped by init), so this polls, with `ms` as the limit.
 */
export async function stillRunning(pids: number[], ms = 2_000): Promise<number[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const running = pids.filter(alive)
    if (running.length === 0 || Date.now() > deadline) return running
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
