import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node'
import { PendingFetches } from './pending-fetches.ts'
import { alive, descendants, processTable, signalIfAlive, type ProcessRow } from './processes.ts'
import { workerReports } from './worker-report.ts'

/**
 * How long the suite may go without a test finishing before the watchdog stops it (AOC_TEST_WATCHDOG_MS; 0 = off):
 * above the longest test timeout of the suite (300 s), so a test stuck in an await fails by its own timeout first.
 */
export const DEFAULT_WATCHDOG_MS = 6 * 60_000

function watchdogBound(): number {
  const raw = process.env.AOC_TEST_WATCHDOG_MS
  if (raw === undefined || raw === '') return DEFAULT_WATCHDOG_MS
  const ms = Number(raw)
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_WATCHDOG_MS
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`

/**
 * Prints the plain closing line CI systems read, `N passed, N failed, N skipped`, after vitest's own output.
 * Unhandled errors and modules that failed to load count as failures.
 *
 * It is also the suite's watchdog: when no test has finished for the bound, it prints the test files still
 * running (and their running tests), the module requests vitest has left unanswered, the processes under vitest
 * and what each test process is doing (its diagnostic report), kills those processes and exits 1. A stuck file
 * (a wait with no deadline, a busy loop that starves its own test timeout, a hung import) then fails CI with its
 * name and its cause within minutes instead of freezing the job silently until the CI's own limit.
 */
export default class CountReporter implements Reporter {
  readonly #bound = watchdogBound()
  #lastProgress = Date.now()
  #timer: NodeJS.Timeout | undefined
  /** Files queued in a worker and not finished, with when they were queued. */
  readonly #files = new Map<string, { since: number; module: TestModule }>()
  /** Tests started and not finished, with when they started. */
  readonly #tests = new Map<string, { since: number; test: TestCase }>()
  readonly #fetches = new PendingFetches()

  onInit(vitest: Vitest): void {
    this.#fetches.watch(vitest)
  }

  onTestRunStart(): void {
    this.#lastProgress = Date.now()
    if (this.#bound > 0 && !this.#timer) {
      this.#timer = setInterval(() => this.#check(), Math.max(100, Math.min(this.#bound / 4, 10_000)))
      // The watchdog never keeps vitest alive by itself.
      this.#timer.unref()
    }
  }

  onTestModuleQueued(mod: TestModule): void {
    this.#files.set(mod.moduleId, { since: Date.now(), module: mod })
  }

  // The module vitest reports once its file is collected is the one that knows its tests.
  onTestModuleCollected(mod: TestModule): void {
    const entry = this.#files.get(mod.moduleId)
    if (entry) entry.module = mod
  }

  onTestCaseReady(test: TestCase): void {
    this.#tests.set(test.id, { since: Date.now(), test })
  }

  onTestCaseResult(test: TestCase): void {
    this.#tests.delete(test.id)
    this.#lastProgress = Date.now()
  }

  onTestModuleEnd(mod: TestModule): void {
    this.#files.delete(mod.moduleId)
    this.#lastProgress = Date.now()
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }

  #check(): void {
    const now = Date.now()
    if (now - this.#lastProgress < this.#bound) return
    clearInterval(this.#timer)
    const lines = [`\nwatchdog: no test finished for ${seconds(now - this.#lastProgress)} (bound ${seconds(this.#bound)}, AOC_TEST_WATCHDOG_MS); stopping the run`]
    if (this.#files.size === 0) lines.push('  no test file is running (vitest itself is stuck between files)')
    for (const [file, { since, module }] of this.#files) {
      // Whether it stopped while loading, between tests, or after its last one (at exit).
      const tests = [...module.children.allTests()]
      const done = tests.filter((t) => t.result().state !== 'pending').length
      lines.push(`  stuck: ${module.relativeModuleId ?? file} (running for ${seconds(now - since)}; ${tests.length === 0 ? 'no test collected yet' : `${done} of ${tests.length} tests finished`})`)
      for (const { since: started, test } of this.#tests.values()) {
        if (test.module.moduleId === file) lines.push(`    test: ${test.fullName} (running for ${seconds(now - started)})`)
      }
    }
    for (const { url, ms } of this.#fetches.older(Math.min(10_000, this.#bound / 2), now)) lines.push(`  unanswered for ${seconds(ms)}: a test process's import of ${url}`)
    let table: ProcessRow[] = []
    try {
      table = processTable()
    } catch (err) {
      lines.push(`  (no process list: ${(err as Error).message})`)
    }
    // The ps that just ran is not worth listing.
    const under = descendants(table, process.pid).filter((p) => !p.command.startsWith('ps -eo '))
    if (table.length > 0) {
      // CPU near ELAPSED: a worker busy in a loop; near 0: one waiting for something that never comes.
      lines.push(`  processes under vitest (pid ${process.pid}):`, '    PID     PPID    PGID    STATE  ELAPSED     CPU         COMMAND')
      for (const p of under) lines.push(`    ${String(p.pid).padEnd(8)}${String(p.ppid).padEnd(8)}${String(p.pgid).padEnd(8)}${p.state.padEnd(7)}${p.elapsed.padEnd(12)}${p.cpu.padEnd(12)}${p.command}`)
      if (under.length === 0) lines.push('    (none)')
    }
    // vitest's own test processes (its forks), not what the tests started.
    lines.push(...workerReports(under.filter((p) => p.ppid === process.pid && alive(p) && p.command.includes('vitest/dist/workers/')).map((p) => p.pid)))
    lines.push('watchdog: killing them and exiting with code 1')
    // Pipes and files are written synchronously on Linux, so the lines are out before the exit.
    process.stderr.write(`${lines.join('\n')}\n`)
    const ownGroup = table.find((p) => p.pid === process.pid)?.pgid
    for (const p of under) {
      // A test's child in its own process group (the process driver's clients) goes with its whole group.
      if (p.pgid === p.pid && p.pgid !== ownGroup) signalIfAlive(-p.pgid, 'SIGKILL')
      signalIfAlive(p.pid, 'SIGKILL')
    }
    process.exit(1)
  }
}
