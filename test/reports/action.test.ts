import { runChild } from '../support/child.ts'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * action.yml's shell steps, run in bash as the runner runs them (`bash -e -o pipefail`), with a fake `npx` that
 * records its arguments. The YAML is read by hand: each step's `run: |` block is the lines indented deeper
 * than the key.
 */
async function runScripts(): Promise<string[]> {
  const lines = (await readFile(new URL('../../action.yml', import.meta.url), 'utf8')).split('\n')
  const scripts: string[] = []
  lines.forEach((line, i) => {
    const m = /^(\s*)run: \|$/.exec(line)
    if (!m) return
    const indent = m[1]!.length
    const body: string[] = []
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break
      body.push(next.slice(indent + 2))
    }
    scripts.push(body.join('\n'))
  })
  return scripts
}

let dir: string
let scripts: string[]
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aoc-action-'))
  scripts = await runScripts()
  await mkdir(join(dir, 'bin'))
  // The fake npx writes its arguments one per line, writes a summary like the real run, and exits FAKE_EXIT.
  await writeFile(
    join(dir, 'bin', 'npx'),
    '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$FAKE_ARGS"\nmkdir -p "$AOC_REPORT_DIR"\necho "## summary" > "$AOC_REPORT_DIR/summary.md"\nexit "${FAKE_EXIT:-0}"\n',
  )
  await chmod(join(dir, 'bin', 'npx'), 0o755)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return runChild('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], { cwd: dir, env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, ...env } })
}

describe('action.yml', () => {
  it('has the run, summary and fail steps as bash scripts', () => {
    expect(scripts).toHaveLength(3)
  })

  it('passes the inputs as arguments, records the exit code, and the last step fails with it', async () => {
    const output = join(dir, 'output')
    const summary = join(dir, 'summary')
    await writeFile(output, '')
    await writeFile(summary, '')
    const inputs = {
      AOC_CLIENT: './test/my adapter.ts',
      AOC_SCENARIOS: 'login-with-handle  callback-iss-mismatch\nrefresh-rotation\n',
      AOC_PROFILE: 'strict',
      AOC_BASELINE: 'conformance-baseline.txt',
      AOC_REPORT_DIR: 'conformance-report',
      AOC_ARGS: '--https --concurrency 4',
      AOC_WORKDIR: '.',
      GITHUB_OUTPUT: output,
      FAKE_ARGS: join(dir, 'args'),
      FAKE_EXIT: '1',
    }
    const run = await bash(scripts[0]!, inputs)
    expect(run.code).toBe(0)
    expect((await readFile(join(dir, 'args'), 'utf8')).trim().split('\n')).toEqual([
      '--no',
      '--',
      'atproto-oauth-conformance',
      'run',
      '--client',
      './test/my adapter.ts',
      '--report-dir',
      'conformance-report',
      '--scenario',
      'login-with-handle',
      'callback-iss-mismatch',
      'refresh-rotation',
      '--profile',
      'strict',
      '--baseline',
      'conformance-baseline.txt',
      '--https',
      '--concurrency',
      '4',
    ])
    expect(await readFile(output, 'utf8')).toBe('report-dir=./conformance-report\nexit-code=1\n')

    expect((await bash(scripts[1]!, { AOC_SUMMARY: join(dir, 'conformance-report', 'summary.md'), GITHUB_STEP_SUMMARY: summary })).code).toBe(0)
    expect(await readFile(summary, 'utf8')).toBe('## summary\n')

    const fail = await bash(scripts[2]!, { AOC_EXIT: '1', AOC_ARTIFACT: 'atproto-oauth-conformance-report' })
    expect(fail.code).toBe(1)
    expect(fail.stdout).toContain('::error::atproto OAuth conformance failed (exit code 1)')
  })

  it('leaves out empty optional inputs', async () => {
    const output = join(dir, 'output2')
    await writeFile(output, '')
    const env = { AOC_CLIENT: 'official', AOC_SCENARIOS: '', AOC_PROFILE: '', AOC_BASELINE: '', AOC_REPORT_DIR: 'out', AOC_ARGS: '', AOC_WORKDIR: 'sub/', GITHUB_OUTPUT: output, FAKE_ARGS: join(dir, 'args2') }
    expect((await bash(scripts[0]!, env)).code).toBe(0)
    expect((await readFile(join(dir, 'args2'), 'utf8')).trim().split('\n')).toEqual(['--no', '--', 'atproto-oauth-conformance', 'run', '--client', 'official', '--report-dir', 'out'])
    expect(await readFile(output, 'utf8')).toBe('report-dir=sub/out\nexit-code=0\n')
  })
})
