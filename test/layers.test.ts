import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// DESIGN §2: layers point down only. model/ and protocol/ are the ground floor; mock-as/, mock-pds/ and
// reports/ stand on it; harness/ stands on all of them.
const ROOT = resolve(import.meta.dirname, '..')
const ALLOWED: Record<string, string[]> = {
  model: ['model', 'protocol'],
  protocol: ['protocol', 'model'],
  'mock-as': ['mock-as', 'mock-pds', 'protocol', 'model'],
  'mock-pds': ['mock-pds', 'mock-as', 'protocol', 'model'],
  // reports/schema.ts names the fault plan and profile types a report records
  reports: ['reports', 'mock-as', 'protocol', 'model'],
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : []
  })
}

function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!)
  return specs.map((s) => relative(ROOT, resolve(join(file, '..'), s)).split('/')[0]!)
}

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only from ${allowed.join(', ')}`, () => {
      const offending = sources(join(ROOT, layer)).flatMap((file) =>
        importedLayers(file).filter((l) => !allowed.includes(l)).map((l) => `${relative(ROOT, file)} → ${l}/`),
      )
      expect(offending).toEqual([])
    })
  }
})
