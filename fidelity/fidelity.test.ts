/**
 * The bounded fidelity probe inside `npm test`: every recorded exchange replayed against fresh Worlds in both
 * profiles and both topologies, reconciled with fidelity/deviations.json (no unlisted difference, no stale
 * entry); the live mode's plumbing against a World reached over its base URL; the reference-UI replay against
 * a playback server; the vendored captures against their source.
 */
import { runChild } from '../test/support/child.ts'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createWorld } from '../harness/world.ts'
import { allCaptures, CAPTURE_FOLDERS, readBundle, SHARED_CAPTURES_DIR } from './captures.ts'
import { loadDeviations, reconcile } from './deviations.ts'
import { startPlayback } from './playback.ts'
import { runProbe, summarize } from './probe.ts'
import { runLive, runRecorded, scopeInventory, WORLD_RUNS } from './runs.ts'
import { liveTarget, worldTarget } from './target.ts'

const inventory = scopeInventory()

describe('scope of the recorded set', () => {
  it('decides from the request path: 251 of 299 exchanges in scope, the UI API and account creation out', () => {
    expect(inventory.total).toBe(299)
    expect(inventory.inScope).toBe(251)
    expect(inventory.byArea).toEqual({
      discovery: 4,
      par: 111,
      authorize: 45,
      token: 47,
      revoke: 9,
      'oauth-route': 1,
      xrpc: 34,
      'ui-api': 47,
      'account-creation': 1,
    })
    expect(inventory.outOfScope.map((o) => o.key)).toContain('create-account')
    expect(inventory.outOfScope.filter((o) => o.key !== 'create-account').every((o) => /sign-in|consent|reject/.test(o.key))).toBe(true)
    expect(inventory.needsClock).toHaveLength(21)
  })
})

describe('recorded probe against the mocks, reconciled with fidelity/deviations.json', () => {
  const deviations = loadDeviations()

  for (const { profile, topology } of WORLD_RUNS) {
    it(`${profile}/${topology}: every in-scope capture matches or is a listed deviation, and no entry is stale`, async () => {
      const { probe, summary, reconciliation } = await runRecorded({ profile, topology, deviations })
      expect(summary.compared).toBe(inventory.inScope)
      expect(summary.skipped).toBe(0)
      expect(reconciliation.invalid).toEqual([])
      expect(reconciliation.unlisted, 'differences not listed in fidelity/deviations.json').toEqual([])
      expect(reconciliation.stale, 'entries of fidelity/deviations.json that no longer happen').toEqual([])
      expect(summary.differ).toBe(reconciliation.accepted.length)
      // The one-origin fact (one nonce manager for AS and PDS) is only judged where there is one origin.
      const originDependent = probe.results.filter((r) => r.originDependent).length
      expect(originDependent).toBe(topology === 'entryway' ? 28 : 0)
      if (profile === 'reference') expect(summary.matched).toBe(inventory.inScope)
    })
  }

  it('every strict-profile entry names its requirement, every entry its reason', () => {
    for (const d of deviations) {
      expect(d.reason.length).toBeGreaterThan(20)
      if (d.profile === 'strict') expect(d.requirement).toMatch(/^[A-Z]+-\d\d$/)
    }
  })

  it('sees what it compares: a World whose redirect drops `iss` differs exactly on the redirects', async () => {
    const world = await createWorld({ topology: 'self-hosted', faults: { authorizeResponse: { iss: null } } })
    try {
      const run = await runProbe(worldTarget(world), { folders: ['main'] })
      const differ = run.results.filter((r) => r.outcome === 'differ')
      expect(differ.map((r) => r.key).sort()).toEqual(
        [
          'authorize-page-wrong-client-id',
          'authorize-redirect',
          'f2-authorize-redirect',
          'f3-authorize-redirect',
          'f4-authorize-redirect',
          'f5-authorize-redirect',
          'f5b-authorize-redirect',
          'f6-authorize-redirect',
          'f7-authorize-redirect',
          'f8-authorize-redirect',
          'f9-authorize-redirect',
          'fR-authorize-redirect',
          'fW-authorize-redirect',
          'reject-authorize-redirect',
        ].sort(),
      )
      for (const r of differ) expect(r.differences.map((d) => d.field)).toEqual(['location'])
      const reconciliation = reconcile(run, loadDeviations())
      expect(reconciliation.unlisted).toHaveLength(differ.length)
    } finally {
      await world.close()
    }
  })
})

describe('live mode: a World reached over its base URL as if it were a running server', () => {
  it('self-hosted: the live run matches the recording, the mock matches the live server, the nonce watch is skipped', async () => {
    const world = await createWorld({ topology: 'self-hosted' })
    try {
      const run = await runLive({ base: world.urls.issuer, handle: 'alice.test', password: 'alice-pass', createAccount: { email: 'alice@example.com' } })
      // The mock PDS has no createAccount; the request still went out the recorded way.
      expect(run.accountCreation?.status).toBe(501)
      expect(run.liveSummary.compared).toBe(inventory.inScope - 21)
      expect(run.liveSummary.skipped).toBe(21)
      expect(run.liveSummary.differ).toBe(0)
      expect(run.comparisons.filter((c) => c.mock === 'differ')).toEqual([])
      expect(run.comparisons.filter((c) => c.mock === 'match')).toHaveLength(inventory.inScope - 21)
      // The authorize page decided the UI: the mock's consent form, not the reference UI API.
      expect(run.live.results.filter((r) => r.drivenStatus === 303).length).toBeGreaterThan(20)
      expect(world.harnessFaults).toEqual([])
    } finally {
      await world.close()
    }
  })

  it('entryway (--pds): the PDS on its own origin, compared with an entryway World', async () => {
    const world = await createWorld({ topology: 'entryway' })
    try {
      const run = await runLive({ base: world.urls.issuer, pds: world.urls.pds, folders: ['main', 'extra'] })
      expect(run.live.target).toContain('PDS')
      expect(run.liveSummary.differ).toBe(0)
      expect(run.comparisons.filter((c) => c.mock === 'differ')).toEqual([])
    } finally {
      await world.close()
    }
  })

  it('says so when nothing answers at the base URL', async () => {
    await expect(runLive({ base: 'http://127.0.0.1:1' })).rejects.toThrow(/nothing answers at http:\/\/127\.0\.0\.1:1/)
  })

  it('refuses anything but an http loopback address', () => {
    expect(() => liveTarget({ base: 'https://bsky.social' })).toThrow(/loopback/)
    expect(() => liveTarget({ base: 'http://10.0.0.1:2583' })).toThrow(/loopback/)
    expect(() => liveTarget({ base: 'http://localhost:2583', pds: 'http://example.com' })).toThrow(/loopback/)
  })
})

describe('reference UI replay, against a server that answers from the recording', () => {
  it('sends back the fresh cookies, CSRF token, Referer and ephemeral token; every compared answer matches', async () => {
    const playback = await startPlayback(allCaptures())
    try {
      // A clock the probe may "move" lets the nonce watch run too (the playback answers are time-free).
      const target = { ...liveTarget({ base: playback.origin, ui: 'auto' }), clock: { now: () => 0, advance: () => {} } }
      const run = await runProbe(target)
      const summary = summarize(run)
      expect(playback.problems).toEqual([])
      expect(playback.served()).toBe(playback.expected)
      expect(summary).toMatchObject({ compared: inventory.inScope, matched: inventory.inScope, differ: 0, skipped: 0 })
      // The UI API steps were driven (reference UI), not compared.
      const driven = run.results.filter((r) => r.area === 'ui-api' && r.drivenStatus !== undefined)
      expect(driven).toHaveLength(47)
      expect(driven.filter((r) => r.drivenStatus === 200)).toHaveLength(45)
    } finally {
      await playback.close()
    }
  })
})

describe('vendored captures', () => {
  it.runIf(existsSync(SHARED_CAPTURES_DIR))('fidelity/captures holds exactly the files of shared/spec/reference-captures', () => {
    for (const folder of CAPTURE_FOLDERS) {
      const dir = `${SHARED_CAPTURES_DIR}${folder}/`
      const source = readdirSync(dir)
        .filter((f) => /^\d{3}-.*\.json$/.test(f))
        .sort()
        .map((file) => ({ file, sha256: createHash('sha256').update(readFileSync(dir + file)).digest('hex') }))
      const vendored = readBundle(folder).files.map(({ file, sha256 }) => ({ file, sha256 }))
      expect(vendored, `${folder}: run npx tsx scripts/sync-captures.ts`).toEqual(source)
    }
  })
})

describe('npm run fidelity', () => {
  const dirs: string[] = []
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const tsx = new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname
      resolve(runChild(process.execPath, [tsx, new URL('./cli.ts', import.meta.url).pathname, ...args], { env: { ...process.env, NO_COLOR: '1' } }))
    })

  it('prints the table and the plain line, writes the JSON result, exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-fidelity-'))
    dirs.push(dir)
    const { code, stdout } = await cli('--profile', 'strict', '--folder', 'extra/c', '--json', join(dir, 'fidelity.json'))
    expect(code).toBe(0)
    expect(stdout).toMatch(/c-par-client-id-127\s+│ differ \(PAR-04\)\s+│ status, error, description, www-authenticate/)
    expect(stdout).toMatch(/c-token-code-other-client-id\s+│ match/)
    expect(stdout).toMatch(/^12 matched, 5 differ$/m)
    const json = JSON.parse(await readFile(join(dir, 'fidelity.json'), 'utf8'))
    expect(json.runs[0]).toMatchObject({ run: 'strict/self-hosted', summary: { matched: 12, differ: 5 } })
    expect(json.runs[0].reconciliation.unlisted).toEqual([])
    expect(json.scope).toMatchObject({ total: 299, inScope: 251 })
  })

  it('refuses a live URL off loopback with a usage error', async () => {
    const { code, stderr } = await cli('--live', 'https://bsky.social')
    expect(code).toBe(2)
    expect(stderr).toContain('loopback')
  })
})
