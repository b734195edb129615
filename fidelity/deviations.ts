/**
 * The accepted differences between the mocks and the recorded reference server (fidelity/deviations.json),
 * and their reconciliation with a probe run: a difference nobody listed fails, and so does a listed one that
 * no longer happens (a stale entry).
 */
import { readFileSync } from 'node:fs'
import { allCaptures } from './captures.ts'
import { compareFacts } from './compare.ts'
import type { CaptureResult, ProbeRun } from './probe.ts'

export type ProfileName = 'reference' | 'strict'
export type TopologyName = 'self-hosted' | 'entryway'

/** One accepted difference: the captures it covers, where it applies, the differing fields, and why. */
export interface Deviation {
  /** Capture keys (names; `main/nonce/NNN-name` for the repeated nonce-watch names). */
  captures: string[]
  profile: ProfileName
  topology: TopologyName | 'any'
  /** Exactly the fields that differ (compare.ts names). */
  fields: string[]
  reason: string
  /** The requirement id a deliberate strict-profile difference enforces (required for `strict` entries). */
  requirement?: string
}

export interface DeviationFile {
  description: string
  deviations: Deviation[]
}

export const DEVIATIONS_FILE = new URL('./deviations.json', import.meta.url)

export function loadDeviations(): Deviation[] {
  const file = JSON.parse(readFileSync(DEVIATIONS_FILE, 'utf8')) as DeviationFile
  return file.deviations
}

/** The deviation entries that apply to a World run (`reference/self-hosted`, `strict/entryway`, …). */
export function deviationsFor(run: string, deviations: readonly Deviation[]): Deviation[] {
  const [profile, topology] = run.split('/')
  return deviations.filter((d) => d.profile === profile && (d.topology === 'any' || d.topology === topology))
}

export interface Accepted {
  key: string
  fields: string[]
  reason: string
  requirement?: string
}

export interface Unlisted {
  key: string
  fields: string[]
  /** The fields an entry for this capture lists, when one exists but does not fit. */
  listed?: string[]
}

export interface Stale {
  capture: string
  reason: string
  /** Why the entry no longer fits: the capture matched, differs in other fields, was not compared, or is unknown. */
  why: string
}

export interface Reconciliation {
  run: string
  accepted: Accepted[]
  unlisted: Unlisted[]
  stale: Stale[]
  /** Entries that are malformed (unknown field, strict entry without requirement). */
  invalid: string[]
}

const FIELD_PATTERN = /^(status|error|description|keys|dpop-nonce|www-authenticate|location|cache-control|token-shape|shared-nonce|access-control-[a-z-]+|exchange)$/

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')
}

/**
 * Checks a run against the deviation list: every difference listed, every applicable entry still true. An
 * entry for a capture the run did not include (a `--folder` run) is not judged; one naming no capture at all is
 * stale.
 */
export function reconcile(
  run: ProbeRun,
  deviations: readonly Deviation[],
  knownKeys: ReadonlySet<string> = new Set(allCaptures().map((c) => c.key)),
): Reconciliation {
  const applicable = deviationsFor(run.run, deviations)
  const invalid: string[] = []
  for (const d of applicable) {
    for (const f of d.fields) if (!FIELD_PATTERN.test(f)) invalid.push(`${d.captures.join(', ')}: unknown field "${f}"`)
    if (d.profile === 'strict' && !d.requirement) invalid.push(`${d.captures.join(', ')}: a strict-profile entry needs its requirement id`)
    if (!d.reason.trim()) invalid.push(`${d.captures.join(', ')}: no reason`)
  }
  const byKey = new Map<string, CaptureResult>(run.results.map((r) => [r.key, r]))
  const entryFor = (key: string) => applicable.find((d) => d.captures.includes(key))
  const accepted: Accepted[] = []
  const unlisted: Unlisted[] = []
  for (const r of run.results) {
    if (r.outcome !== 'differ') continue
    const fields = r.differences.map((d) => d.field)
    const entry = entryFor(r.key)
    if (entry && sameFields(entry.fields, fields)) {
      accepted.push({ key: r.key, fields, reason: entry.reason, ...(entry.requirement ? { requirement: entry.requirement } : {}) })
    } else {
      unlisted.push({ key: r.key, fields, ...(entry ? { listed: entry.fields } : {}) })
    }
  }
  const stale: Stale[] = []
  for (const d of applicable) {
    for (const capture of d.captures) {
      const r = byKey.get(capture)
      if (!r && knownKeys.has(capture)) continue
      const why = !r
        ? 'no capture of that name'
        : r.outcome === 'match'
          ? 'the capture matches now'
          : r.outcome !== 'differ'
            ? `the capture was not compared (${r.outcome}${r.reason ? `: ${r.reason}` : ''})`
            : sameFields(d.fields, r.differences.map((x) => x.field))
              ? undefined
              : `it differs in ${r.differences.map((x) => x.field).join(', ')}, the entry lists ${d.fields.join(', ')}`
      if (why) stale.push({ capture, reason: d.reason, why })
    }
  }
  return { run: run.run, accepted, unlisted, stale, invalid }
}

/** Whether a reconciliation passes: no unlisted difference, no stale entry, no malformed entry. */
export function reconciled(r: Reconciliation): boolean {
  return r.unlisted.length === 0 && r.stale.length === 0 && r.invalid.length === 0
}

/** The differences between two runs over the same captures (e.g. a live server and a World): by key. */
export function compareRuns(a: ProbeRun, b: ProbeRun): Map<string, ReturnType<typeof compareFacts> | undefined> {
  const other = new Map(b.results.map((r) => [r.key, r]))
  const out = new Map<string, ReturnType<typeof compareFacts> | undefined>()
  for (const r of a.results) {
    const s = other.get(r.key)
    if (!r.observed || !s?.observed) {
      out.set(r.key, undefined)
      continue
    }
    out.set(r.key, compareFacts(r.observed, s.observed))
  }
  return out
}
