import { runChild } from '../support/child.ts'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import { runSuite } from '../../harness/runner.ts'
import { SCENARIOS } from '../../scenarios/index.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs a command without a shell; the nested npm and vitest must not think they run inside this vitest. */
function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|__VITEST|TEST$|NODE_OPTIONS$)/.test(k)))
  // Below the test's own 180 s: npm install and the nested vitest run are the slow part.
  return runChild(cmd, args, { cwd, env: { ...env, CI: 'true', NO_COLOR: '1' }, timeoutMs: 150_000 })
}

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

interface VitestJson {
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  testResults: { assertionResults: { title: string; status: string; ancestorTitles: string[] }[] }[]
}

describe('the npm package', () => {
  // Slow (npm pack + npm install + a nested vitest run, about a minute): part of `npm test` all the same.
  it('installs from its tarball into a scratch project whose vitest runs conformanceSuite against the official client', { timeout: 180_000 }, async () => {
    const packDir = await tempDir('aoc-pack-')
    const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], REPO)
    expect(packed.code, packed.stderr).toBe(0)
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    const files = info!.files.map((f) => f.path)
    for (const needed of [
      'package.json',
      'README.md',
      'bin/atproto-oauth-conformance.js',
      'harness/index.ts',
      'harness/vitest.ts',
      'harness/cli.ts',
      'mock-as/auth-server.ts',
      'mock-pds/pds-server.ts',
      'protocol/jws.ts',
      'scenarios/index.ts',
      'scenarios/requirements.json',
      'reports/report.schema.json',
      'reports/html.ts',
      'examples/clients/official-node/adapter.ts',
    ]) {
      expect(files, needed).toContain(needed)
    }
    expect(files.filter((f) => /\.test\.ts$|^test\/|node_modules\//.test(f))).toEqual([])

    // What the same client gets in-process decides what the packaged run must report: scenarios the official
    // client fails today go into a baseline file (which the packaged helper must read), skips stay skips.
    const local = await runSuite({ scenarios: SCENARIOS, driver: () => officialNodeClient(), clientName: 'official', concurrency: 4 })
    const failing = local.scenarios.filter((s) => s.verdict === 'FAIL' || s.verdict === 'ERROR').map((s) => s.id)
    const skipped = local.scenarios.filter((s) => s.verdict === 'SKIP').map((s) => s.id)

    const project = await tempDir('aoc-scratch-')
    const repoPackage = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { overrides: unknown }
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'aoc-scratch',
          private: true,
          type: 'module',
          devDependencies: {
            'atproto-oauth-conformance': `file:${join(packDir, info!.filename)}`,
            vitest: '4.1.12',
            '@atproto/oauth-client-node': '0.5.3',
          },
          overrides: repoPackage.overrides,
        },
        null,
        2,
      ),
    )
    await writeFile(join(project, 'baseline.txt'), ['# failures the official client has today', ...failing.map((id) => `${id}  known`)].join('\n'))
    await writeFile(
      join(project, 'conformance.test.ts'),
      [
        "import { conformanceSuite } from 'atproto-oauth-conformance/vitest'",
        "import { officialNodeClient } from 'atproto-oauth-conformance/examples/clients/official-node/adapter.ts'",
        '',
        "conformanceSuite({ client: () => officialNodeClient(), baseline: 'baseline.txt' })",
        '',
      ].join('\n'),
    )
    // The root export too: the scenario list and the report writers load from the tarball.
    await writeFile(
      join(project, 'library.test.ts'),
      [
        "import { expect, it } from 'vitest'",
        "import { SCENARIOS, renderJunit, REPORT_SCHEMA_VERSION } from 'atproto-oauth-conformance'",
        "import schema from 'atproto-oauth-conformance/report.schema.json' with { type: 'json' }",
        '',
        "it('exports the library', () => {",
        `  expect(SCENARIOS.length).toBe(${SCENARIOS.length})`,
        "  expect(typeof renderJunit).toBe('function')",
        '  expect(schema.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION)',
        '})',
        '',
      ].join('\n'),
    )

    let installed = await run('npm', ['install', '--no-audit', '--no-fund', '--offline'], project)
    if (installed.code !== 0) installed = await run('npm', ['install', '--no-audit', '--no-fund'], project)
    expect(installed.code, installed.stderr).toBe(0)

    const tested = await run('npx', ['vitest', 'run', '--reporter=json', '--outputFile=results.json'], project)
    const results = JSON.parse(await readFile(join(project, 'results.json'), 'utf8')) as VitestJson
    const failed = results.testResults.flatMap((f) => f.assertionResults).filter((a) => a.status === 'failed')
    expect(failed.map((a) => a.title), tested.stdout + tested.stderr).toEqual([])
    expect(tested.code).toBe(0)
    expect(results.numTotalTests).toBe(SCENARIOS.length + 1)
    expect(results.numPendingTests).toBe(skipped.length)
    expect(results.numPassedTests).toBe(SCENARIOS.length + 1 - skipped.length)
    const scenarioTests = results.testResults.flatMap((f) => f.assertionResults).filter((a) => a.ancestorTitles[0] === 'atproto OAuth conformance')
    expect(new Set(scenarioTests.map((a) => a.title.split(':')[0]))).toEqual(new Set(SCENARIOS.map((s) => s.id)))
    expect(new Set(scenarioTests.map((a) => a.ancestorTitles[1]))).toEqual(new Set(SCENARIOS.map((s) => s.family)))
  })
})
