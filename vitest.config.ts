import { defineConfig } from 'vitest/config'
import { workerReportArgv } from './test/support/worker-report.ts'

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'conformance-report/**', 'dist/**'],
    // The count reporter is also the watchdog: no test finished for AOC_TEST_WATCHDOG_MS (default 6 min) →
    // it names the stuck file(s), lists the processes under vitest, kills them and exits 1.
    reporters: ['default', './test/support/count-reporter.ts'],
    // A temp directory for the run; what a test leaves in it fails the run by name.
    globalSetup: ['./test/support/temp-dir.ts'],
    // Each file in a child process of its own, two at a time: vitest's default on 2 cores is one worker, so a
    // single stuck file would stop every file behind it. The suite is CPU-bound: three workers were no faster
    // than two on 2 cores, and pushed whole-catalog tests past their limits (README, Development).
    pool: 'forks',
    maxWorkers: 2,
    // A test process the watchdog finds stuck writes a diagnostic report on SIGUSR2: what it runs or waits on.
    execArgv: workerReportArgv(),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // Console output is checked byte for byte (no escape sequences from a client): the tests read it uncoloured,
    // whether or not the run is under CI (where picocolors would colour it), and so do the CLIs they start.
    env: { NO_COLOR: '1' },
  },
})
