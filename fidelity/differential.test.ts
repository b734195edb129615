import { describe, expect, it } from 'vitest'
import { loadAccepted, reconcileDifferential } from './differential/accepted.ts'
import { allCases } from './differential/cases/index.ts'
import { readRecording } from './differential/recording.ts'
import { replayDifferential } from './differential/run.ts'

const REPLAY_TIMEOUT_MS = 180_000

describe('differential run, replayed from its recording (fidelity/differential/recorded.json)', () => {
  it('covers at least 1 000 exchanges recorded from the real server, for every case there is', () => {
    const recording = readRecording()
    const steps = Object.values(recording.cases).reduce((n, s) => n + s.length, 0)
    expect(steps).toBeGreaterThanOrEqual(1000)
    const missing = allCases().filter((c) => !recording.cases[c.id]).map((c) => c.id)
    expect(missing, 'cases never recorded: run `npm run differential -- --record` against the reference server').toEqual([])
  })

  it(
    'reference/self-hosted: every difference from the real server is listed in accepted.json, and no entry is stale',
    async () => {
      const run = await replayDifferential()
      const reconciled = reconcileDifferential(run, loadAccepted())
      expect(reconciled.unlisted).toEqual([])
      expect(reconciled.stale).toEqual([])
      expect(run.matched / run.exchanges).toBeGreaterThanOrEqual(0.98)
    },
    REPLAY_TIMEOUT_MS,
  )

  it('sees what it compares: a World whose AS metadata lacks a member differs exactly on that document', async () => {
    const run = await replayDifferential({ only: 'metadata/', faults: { asMetadata: { omit: ['scopes_supported'] } } })
    const listed = new Set(loadAccepted().flatMap((a) => a.cases))
    const differing = run.cases.filter((c) => c.steps.length > 0 && !listed.has(c.id)).map((c) => c.id)
    expect(differing).toEqual(['metadata/oauth-authorization-server-plain-get', 'metadata/oauth-authorization-server-query-get', 'metadata/oauth-authorization-server-origin-app', 'metadata/oauth-authorization-server-origin-null'])
    expect(run.cases.find((c) => c.id === differing[0])?.steps[0]?.differences.map((d) => d.field)).toEqual(['keys'])
  })
})
