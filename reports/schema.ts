import type { FaultPlan } from '../mock-as/faults.ts'
import type { ProfileName } from '../mock-as/profile.ts'
import type { Family, RequirementRef } from '../model/requirement.ts'
import type { TranscriptEntry } from '../model/transcript.ts'
import type { Status, Verdict } from '../model/verdict.ts'
import type { Topology } from '../model/requirement.ts'

/** Version of the report.json layout; bumped on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1

/** One scenario's result: verdict, checks and the (redacted) transcript. */
export interface ScenarioResult {
  id: string
  title: string
  family: Family
  requirements: RequirementRef[]
  profile: ProfileName
  topology: Topology
  clientKind: 'public' | 'confidential' | 'native'
  /** The worst check verdict. */
  verdict: Status
  durationMs: number
  faults: FaultPlan
  checks: Verdict[]
  /** Why the whole scenario was skipped or errored, when it was. */
  reason?: string
  /** The scenario's explanation: what it tests, why it matters, how to fix a failing client. */
  explain?: { tests: string; why: string; fix: string }
  transcript: TranscriptEntry[]
  /** Process and container drivers: what the client wrote to stderr during the scenario (the last 64 KiB). */
  clientLog?: string
  /** Browser driver: PNG screenshots (base64) of the consent page and of the client's final state. */
  screenshots?: { name: string; png: string }[]
}

/** report.json (schemaVersion 1). */
export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  tool: { name: 'atproto-oauth-conformance'; version: string }
  startedAt: string
  durationMs: number
  client: { name: string; driver: 'in-process' | 'process' | 'http' | 'browser' | 'container' }
  /** Profile/topology overrides for the whole run; a scenario's own values are in its result. */
  profile?: ProfileName
  topology?: Topology
  redacted: boolean
  /** Set when the run was interrupted (Ctrl-C): the scenarios it did not start are SKIP with reason "run interrupted". */
  incomplete?: true
  /** The run's result as the CLI's exit code says it, after the baseline (absent from an interrupted run). */
  result?: RunResult
  /**
   * `run --shard i/n`: this report holds part `index` of `count` of the `selected` scenarios the filters chose;
   * `merge-reports` joins the parts.
   */
  shard?: { index: number; count: number; selected: number }
  totals: Record<Status, number> & { scenarios: number }
  scenarios: ScenarioResult[]
  /** Which catalog requirements the run's scenarios and checks exercised, and which are excluded and why. */
  coverage?: ReportCoverage
}

/** The spec-coverage section of a report (same rows as `list --coverage`). */
export interface ReportCoverage {
  covered: number
  excluded: number
  missing: number
  requirements: { id: string; level: string; scenarios: string[]; checks: string[]; excluded?: string }[]
}

/** The run's result: PASS exits 0, FAIL exits 1. Baselined failures are known and pass; stale entries fail. */
export interface RunResult {
  status: 'PASS' | 'FAIL'
  /** FAIL and ERROR checks no baseline entry lists. */
  failing: number
  baseline?: {
    /** The baseline file as given on the command line. */
    file: string
    /** FAIL and ERROR checks the baseline lists (each marked `baselined` in its verdict). */
    known: number
    /** Entries that no longer match a failure. */
    stale: { scenario: string; check?: string; message: string }[]
  }
}
