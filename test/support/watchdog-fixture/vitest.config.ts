import { defineConfig } from 'vitest/config'
import { workerReportArgv } from '../worker-report.ts'

/** The watchdog test's child vitest: only the fixture files here (they do not match the suite's *.test.ts). */
export default defineConfig({
  // Holds one module's transform forever, as a stalled transform in vitest's process would.
  plugins: [{ name: 'stall-one-import', transform: (_code: string, id: string) => (id.endsWith('never-transformed.ts') ? new Promise<never>(() => {}) : undefined) }],
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.fixture.ts'],
    reporters: ['default', new URL('../count-reporter.ts', import.meta.url).pathname],
    testTimeout: 600_000,
    pool: 'forks',
    // One worker for each fixture: the three that stall must not keep the passing one from running.
    maxWorkers: 4,
    execArgv: workerReportArgv(),
  },
})
