import { describe, expect, it } from 'vitest'
import { observed, readExpectations, runAtcuteBrowser, wanted } from '../../examples/clients/atcute-browser/run-all.ts'
import { browserUnavailable } from '../../harness/drivers/browser.ts'
import { CLI_TEST_TIMEOUT_MS } from '../support/timeouts.ts'

const missing = browserUnavailable()
if (missing) console.warn(`test/browser/atcute-browser: skipping the Chromium runs: ${missing}`)

/**
 * A subset of the catalog, to keep the run short (the whole catalog in both topologies is
 * `npx tsx examples/clients/atcute-browser/run-all.ts`, about 10 min): the good paths of every client op, one
 * scenario per finding class of expectations.json, and negative scenarios the good-path gate must not turn
 * INCONCLUSIVE.
 */
const SUBSET = {
  entryway: ['login-with-handle', 'refresh-rotation', 'restore-session', 'callback-iss-mismatch', 'callback-access-denied', 'refresh-invalid-grant'],
  'self-hosted': ['pds-call-with-nonce', 'sign-out-revokes'],
} as const

describe.skipIf(missing !== undefined)(`@atcute/oauth-browser-client in Chromium (an independent browser library)${missing ? ` (skipped: ${missing})` : ''}`, { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  const expectations = readExpectations()
  for (const [topology, ids] of Object.entries(SUBSET) as [keyof typeof SUBSET, readonly string[]][]) {
    it(`gets the committed expected verdicts (${topology}, ${ids.length} scenarios)`, async () => {
      const report = await runAtcuteBrowser(ids, topology, 4)
      expect(observed(report)).toEqual(wanted(expectations, ids, topology))
      expect(report.totals.ERROR).toBe(0)
    }, 120_000)
  }
})
