import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { referenceStatus, stopReference } from './control.ts'
import { ensureInstalled, installed, ReferenceSetupError } from './install.ts'

// The install itself needs the registry and a few minutes (docs/fidelity.md); these cover what a user meets
// without it: an empty cache folder and each missing build tool, every one with its own fix.
describe('npm run reference without an installation', () => {
  const home = mkdtempSync(join(tmpdir(), 'aoc-reference-'))
  afterAll(() => rmSync(home, { recursive: true, force: true }))

  it('an empty cache folder holds no installation, runs nothing, and stop has nothing to stop', async () => {
    expect(installed(home)).toBeUndefined()
    expect(await referenceStatus(home)).toEqual({ running: false, reason: 'not started (npm run reference -- start)' })
    expect(await stopReference(home)).toBe(false)
  })

  it('a missing build tool is named, with the package that provides it', () => {
    const path = process.env.PATH
    const empty = mkdtempSync(join(tmpdir(), 'aoc-empty-path-'))
    process.env.PATH = empty
    try {
      expect(() => ensureInstalled(() => {}, home)).toThrow(ReferenceSetupError)
      try {
        ensureInstalled(() => {}, home)
      } catch (error) {
        expect((error as ReferenceSetupError).message).toMatch(/^python3 is missing/)
        expect((error as ReferenceSetupError).fix).toBe('install python3 (Debian: apt-get install python3)')
      }
    } finally {
      process.env.PATH = path
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
