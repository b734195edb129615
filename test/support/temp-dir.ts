import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * vitest global setup: the whole run gets a temp directory of its own (TMPDIR, which the test workers and their
 * children inherit), and at the end whatever a test left in it fails the run by name, then goes. A test that
 * calls mkdtemp must remove what it made.
 */
export default function setup(): () => void {
  const outer = process.env.TMPDIR
  const dir = mkdtempSync(join(tmpdir(), 'aoc-vitest-'))
  process.env.TMPDIR = dir
  return () => {
    // tsx keeps its transpile cache in tsx-<uid>: a cache, not a leak.
    const left = readdirSync(dir).filter((name) => !/^tsx-\d+$/.test(name))
    if (outer === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = outer
    rmSync(dir, { recursive: true, force: true })
    if (left.length > 0) {
      process.stderr.write(`\ntests left ${left.length} temp entr${left.length === 1 ? 'y' : 'ies'} behind in TMPDIR (remove what mkdtemp made): ${left.join(', ')}\n`)
      process.exitCode = 1
    }
  }
}
