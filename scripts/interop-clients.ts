/**
 * The bundled clients of the interop matrix (docs/interop.md). A new bundled client is one entry here: where its
 * committed expectations are, which findings page explains them, which configurations it supports, and how
 * `scripts/interop.ts --check` opens it for a real run (imported lazily, so generating the page loads no client).
 */
import type { Topology } from '../model/requirement.ts'
import type { DriverFactory } from '../harness/runner.ts'

/** How the client reaches the World: loopback http, or https host names (`run --https`). */
export type Transport = 'http' | 'https'

/** A client opened for a real run of the catalog. */
export interface OpenedClient {
  driver: DriverFactory
  driverKind: 'in-process' | 'browser'
  close(): Promise<void>
}

export interface InteropClient {
  /** Stable id: the page's anchors and `--client <id>` use it. */
  id: string
  /** Column and section title. */
  title: string
  /** The library and version under test. */
  library: string
  driver: 'in-process' | 'browser'
  /** The committed expectations file, from the repository root. */
  expectations: string
  /** The findings page that explains every non-PASS entry, from docs/ (with an anchor when it is a section). */
  findings: string
  /** The configurations the client supports; the page shows every combination. */
  topologies: readonly Topology[]
  transports: readonly Transport[]
  /** Which tests hold the expectations (a whole-catalog run, or a sample and `scripts/interop.ts --check`). */
  heldBy?: string
  /** Why a configuration is left out, shown under the summary. */
  unsupported?: string
  /**
   * Not bundled yet: until its expectations file exists the page names it as planned. A missing file for an
   * entry without this is an error, so a mistyped path cannot hide a client.
   */
  planned?: true
  /** A reason to skip the real run here (e.g. Chromium missing), or undefined when it can run. */
  unavailable?(): Promise<string | undefined>
  open(): Promise<OpenedClient>
}

const BOTH: readonly Topology[] = ['entryway', 'self-hosted']

async function inProcess(load: () => Promise<DriverFactory>): Promise<OpenedClient> {
  return { driver: await load(), driverKind: 'in-process', close: async () => undefined }
}

async function chromiumMissing(): Promise<string | undefined> {
  const { browserUnavailable } = await import('../harness/drivers/browser.ts')
  return browserUnavailable()
}

async function browserExample(): Promise<OpenedClient> {
  const { openBrowserClient } = await import('../harness/drivers/browser.ts')
  const client = await openBrowserClient('example')
  return { driver: () => client.driver(), driverKind: 'browser', close: () => client.close() }
}

export const INTEROP_CLIENTS: readonly InteropClient[] = [
  {
    id: 'official-node',
    title: 'official node',
    library: '@atproto/oauth-client-node 0.5.3',
    driver: 'in-process',
    expectations: 'examples/clients/official-node/expectations.json',
    findings: 'official-client-findings.md',
    topologies: BOTH,
    transports: ['http', 'https'],
    heldBy: '`test/e2e/official-client.test.ts` runs the whole catalog entryway and self-hosted over http, and entryway over https',
    open: () => inProcess(async () => {
      const { officialNodeClient } = await import('../examples/clients/official-node/adapter.ts')
      return () => officialNodeClient()
    }),
  },
  {
    id: 'official-browser',
    title: 'official browser',
    library: '@atproto/oauth-client-browser 0.5.7 (Chromium)',
    driver: 'browser',
    expectations: 'examples/clients/browser-spa/expectations.json',
    findings: 'official-client-findings.md#the-official-browser-client',
    topologies: BOTH,
    transports: ['http'],
    heldBy: '`test/browser/browser-driver.test.ts` runs a sample (the good paths and two negative scenarios); the whole catalog runs with `--check` (2.5–5 min a topology on a 2-core machine)',
    unsupported: 'https: the browser driver reaches the World on loopback http only.',
    unavailable: chromiumMissing,
    open: browserExample,
  },
  {
    id: 'atcute-node',
    title: 'atcute node',
    library: '@atcute/oauth-node-client 2.0.1',
    driver: 'in-process',
    expectations: 'examples/clients/atcute-node/expectations.json',
    findings: 'atcute-client-findings.md',
    topologies: BOTH,
    transports: ['https'],
    heldBy: '`test/e2e/atcute-node.test.ts` runs the whole catalog in both topologies',
    unsupported: 'http: the library speaks only https (it declares httpsOnly).',
    open: () => inProcess(async () => {
      const { atcuteNodeClient } = await import('../examples/clients/atcute-node/adapter.ts')
      return () => atcuteNodeClient()
    }),
  },
  {
    id: 'atcute-browser',
    title: 'atcute browser',
    library: '@atcute/oauth-browser-client 3.0.1 (Chromium)',
    driver: 'browser',
    expectations: 'examples/clients/atcute-browser/expectations.json',
    findings: 'atcute-client-findings.md',
    topologies: BOTH,
    transports: ['http'],
    heldBy: '`test/browser/atcute-browser.test.ts` runs a subset; the whole catalog runs with `npx tsx examples/clients/atcute-browser/run-all.ts` or `--check`',
    unsupported: 'https: the browser driver reaches the World on loopback http only.',
    unavailable: chromiumMissing,
    open: async () => {
      const { startAtcuteSpaServer } = await import('../examples/clients/atcute-browser/server.ts')
      const { openBrowserClient } = await import('../harness/drivers/browser.ts')
      const server = await startAtcuteSpaServer()
      const client = await openBrowserClient(server.url)
      return {
        driver: () => client.driver(),
        driverKind: 'browser',
        close: async () => {
          await client.close()
          await server.close()
        },
      }
    },
  },
]
