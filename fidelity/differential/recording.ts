/**
 * The differential run's recording: what the real server answered to every compared exchange, as facts (what
 * the comparison reads) plus the raw answer for a reader (status, headers, the start of the body). `npm test`
 * replays the cases against a World and compares with it, so the real server is needed only to re-record.
 */
import { readFileSync, writeFileSync } from 'node:fs'
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

export function writeRecording(run: DifferentialRun, file = RECORDING_FILE): number {
  const cases: Record<string, RecordedStep[]> = {}
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
  return Object.keys(cases).length
}

export function readRecording(file = RECORDING_FILE): Recording {
  return JSON.parse(readFileSync(file, 'utf8')) as Recording
}

export function rawOf(status: number, headers: [string, string][], body: string): RecordedStep['raw'] {
  const kept = headers.filter(([k]) => !['date', 'set-cookie', 'etag', 'dpop-nonce', 'content-length'].includes(k.toLowerCase()))
  return { status, headers: kept, body: body.length > BODY_KEPT ? `${body.slice(0, BODY_KEPT)}…` : body }
}
