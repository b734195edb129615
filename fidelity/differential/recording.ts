/**
 * The differential run's recording: what the real server answered to every compared exchange, as facts (what
 * the comparison reads) plus the raw answer for a reader (status, headers, the start of the body). `npm test`
 * replays the cases against a World and compares with it, so the real server is needed only to re-record.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { REFERENCE_VERSIONS } from '../reference/install.ts'
import type { WireFacts } from '../compare.ts'
import type { DifferentialRun } from './run.ts'

export const RECORDING_FILE = fileURLToPath(new URL('./recorded.json', import.meta.url))

export interface RecordedStep {
  label: string
  request: string
  facts?: WireFacts
  observation?: string
  only?: string[]
  /** The raw answer: status, header lines, the first 1 KiB of the body. */
  raw?: { status: number; headers: [string, string][]; body: string }
}

export interface Recording {
  server: string
  recordedAt: string
  cases: Record<string, RecordedStep[]>
}

const BODY_KEPT = 1024

/**
 * Writes the run's cases into the recording: a partial run (`--only`) replaces its own cases and keeps the
 * others, except those no case list holds any more (`known`).
 */
export function writeRecording(run: DifferentialRun, known: ReadonlySet<string>, file = RECORDING_FILE): number {
  const previous = existsSync(file) ? readRecording(file).cases : {}
  const cases: Record<string, RecordedStep[]> = {}
  for (const [id, steps] of Object.entries(previous)) if (known.has(id)) cases[id] = steps
  for (const c of run.cases) {
    if (c.error) continue
    cases[c.id] = c.recorded
  }
  const recording: Recording = {
    server: `@atproto/pds ${REFERENCE_VERSIONS.pds} + @atproto/oauth-provider ${REFERENCE_VERSIONS.oauthProvider}, Node ${REFERENCE_VERSIONS.node}`,
    recordedAt: new Date().toISOString(),
    cases,
  }
  writeFileSync(file, `${JSON.stringify(recording, null, 1)}\n`)
  return run.cases.filter((c) => !c.error).length
}

export function readRecording(file = RECORDING_FILE): Recording {
  return JSON.parse(readFileSync(file, 'utf8')) as Recording
}

export function rawOf(status: number, headers: [string, string][], body: string): RecordedStep['raw'] {
  const kept = headers.filter(([k]) => !['date', 'set-cookie', 'etag', 'dpop-nonce', 'content-length'].includes(k.toLowerCase()))
  return { status, headers: kept, body: body.length > BODY_KEPT ? `${body.slice(0, BODY_KEPT)}…` : body }
}
