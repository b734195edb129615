import { defineConfig } from 'vitest/config'

/** The watchdog test's child vitest: only the fixture files here (they do not match the suite's *.test.ts). */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.fixture.ts'],
    reporters: ['default', new URL('../count-reporter.ts', import.meta.url).pathname],
    testTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
