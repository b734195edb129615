import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signalIfAlive } from './processes.ts'
import { nativeStacks, threadStates } from './thread-states.ts'

/**
 * What a stuck test process is doing, from Node's diagnostic report: the watchdog sends it SIGUSR2 and reads the
 * report it writes. The report holds the process's environment, so it is read, summarised and deleted; only the
 * JavaScript stack and the live libuv handles (what an idle process is waiting on) are printed.
 */

/**
 * The node flags for vitest's test processes (vitest.config.ts `execArgv`), from vitest's own process: the
 * directory is its pid's, so a vitest started by a test writes elsewhere.
 */
export function workerReportArgv(): string[] {
  const dir = join(tmpdir(), `aoc-worker-reports-${process.pid}`)
  process.env.AOC_WORKER_REPORT_DIR = dir
  return ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${dir}`]
}

interface Handle {
  type: string
  is_active?: boolean
  is_referenced?: boolean
  firesInMsFromNow?: number
  localEndpoint?: { host?: string; port?: number } | null
  remoteEndpoint?: { host?: string; port?: number } | null
  pid?: number
}

interface Report {
  javascriptStack?: { message?: string; stack?: string[] }
  libuv?: Handle[]
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Asks each process for its report, waits up to `withinMs` for all of them (the caller is about to exit, so it
 * blocks), and returns printable lines. A process that writes none within the bound is blocked outside its
 * event loop (a synchronous wait, a lock): for it, where each of its threads waits (thread-states.ts).
 */
export function workerReports(pids: readonly number[], withinMs = 5000): string[] {
  const dir = process.env.AOC_WORKER_REPORT_DIR
  if (!dir || pids.length === 0) return []
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    return [`  (no diagnostic reports: ${(err as Error).message})`]
  }
  for (const pid of pids) signalIfAlive(pid, 'SIGUSR2')
  const lines: string[] = []
  const waiting = new Set(pids)
  const deadline = Date.now() + withinMs
  while (waiting.size > 0 && Date.now() < deadline) {
    pause(100)
    for (const pid of [...waiting]) {
      const report = readReport(dir, pid)
      if (!report) continue
      waiting.delete(pid)
      lines.push(...summarise(pid, report))
    }
  }
  for (const pid of waiting) {
    lines.push(`  pid ${pid}: no diagnostic report within ${withinMs / 1000} s (blocked outside its event loop); its threads:`, ...threadStates(pid), ...nativeStacks(pid))
  }
  rmSync(dir, { recursive: true, force: true })
  return lines
}

/** The report of `pid` once it is complete (Node writes it in pieces), or undefined. */
function readReport(dir: string, pid: number): Report | undefined {
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => n.includes(`.${pid}.`) && n.endsWith('.json'))
  } catch {
    return undefined
  }
  for (const name of names) {
    try {
      return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Report
    } catch {
      // still being written
    }
  }
  return undefined
}

const endpoint = (e: Handle['localEndpoint']) => (e ? `${e.host ?? '?'}:${e.port ?? '?'}` : '?')

function describeHandle(h: Handle): string {
  switch (h.type) {
    case 'timer':
      return `timer (fires in ${Math.round((h.firesInMsFromNow ?? 0) / 1000)} s)`
    case 'tcp':
      return `tcp ${endpoint(h.localEndpoint)} → ${endpoint(h.remoteEndpoint)}`
    case 'process':
      return `child process ${h.pid ?? '?'}`
    default:
      return h.type
  }
}

function summarise(pid: number, report: Report): string[] {
  const stack = (report.javascriptStack?.stack ?? []).filter((f) => !/^\s*at\s*$/.test(f)).slice(0, 12)
  const live = (report.libuv ?? []).filter((h) => h.is_active && h.is_referenced && h.type !== 'loop')
  const counts = new Map<string, number>()
  for (const h of live) {
    const what = describeHandle(h)
    counts.set(what, (counts.get(what) ?? 0) + 1)
  }
  const handles = [...counts].map(([what, n]) => (n > 1 ? `${n} × ${what}` : what)).join(', ') || 'none'
  return [
    `  pid ${pid}, diagnostic report:`,
    stack.length > 0 ? `    JavaScript running:\n${stack.map((f) => `      ${f.trim()}`).join('\n')}` : '    no JavaScript running: idle in its event loop, waiting',
    `    waiting on (live handles): ${handles}`,
  ]
}
