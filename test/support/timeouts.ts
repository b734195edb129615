/**
 * Limits for tests that run the whole scenario catalog (or several passes of it) in one test. Alone on an idle
 * machine one pass takes about 4 s; on a loaded 2-core machine, sharing it with the other test workers, it has
 * taken over 20 s. The limit leaves room for that, and stays below the watchdog's bound (test/support/count-reporter.ts)
 * so a hung catalog test fails by its own timeout, with its name, first.
 */
export const CATALOG_TEST_TIMEOUT_MS = 180_000

/**
 * Limit for a test that starts several CLI processes: each pays for node, the tsx loader and the modules it runs
 * (1–2 s alone, 5–10 s on a loaded 2-core machine).
 */
export const CLI_TEST_TIMEOUT_MS = 90_000
