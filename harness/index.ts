/**
 * The library entry point (`import … from 'atproto-oauth-conformance'`): run scenarios against a driver,
 * build Worlds, define scenarios, and render or judge reports. The vitest helper is `atproto-oauth-conformance/vitest`.
 */
export { runScenario, runSuite, runFailed, LOOPBACK_REDIRECT_URI, type DriverFactory, type RunOptions } from './runner.ts'
export { checkEnvironment, EnvironmentError } from './environment.ts'
export { createWorld, type Topology, type World, type WorldOptions } from './world.ts'
export { defineScenario, type Expectation, type Family, type Level, type RequirementRef, type Scenario, type Step } from './scenario.ts'
export {
  ClientRejected,
  isClientRejected,
  type Capabilities,
  type ClientAdapterFactory,
  type Driver,
  type DriverContext,
  type ResourceCall,
  type ResourceResult,
  type SessionInfo,
} from './drivers/types.ts'
export type { Status, Verdict } from '../model/verdict.ts'
export type { Exchange, NoteEvent, StepEvent, StepOutcome, TranscriptEntry } from '../model/transcript.ts'
export { HarnessError, type HarnessErrorCode } from '../protocol/errors.ts'
export type { FaultPlan } from '../mock-as/faults.ts'
export type { ProfileName } from '../mock-as/profile.ts'
export { SCENARIOS } from '../scenarios/index.ts'
export { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../reports/schema.ts'
export { REPORT_FORMATS, writeReports, type ReportFormat } from '../reports/write.ts'
export { renderHtml } from '../reports/html.ts'
export { renderJunit } from '../reports/junit.ts'
export { renderMarkdown } from '../reports/markdown.ts'
export {
  applyBaseline,
  baselineFailed,
  describeBaseline,
  judgeRun,
  parseBaseline,
  readBaseline,
  type BaselineEntry,
  type BaselineOutcome,
} from '../reports/baseline.ts'
export { defaultVocabulary } from './baseline-vocabulary.ts'
export { processDriver, parseCommand, type ProcessDriverOptions } from './drivers/process.ts'
export { httpDriver, type HttpDriverOptions } from './drivers/http.ts'
export { containerClient, containerDriver, detectContainerEngine, type ContainerDriverOptions, type EngineCheck } from './drivers/container.ts'
export { DRIVER_PROTOCOL, type WireDriver } from './drivers/wire.ts'
export { browserUnavailable, openBrowserClient, type BrowserClient, type ConformanceHook, type PageContext } from './drivers/browser.ts'
// The BFF family (docs/bff.md): an app backend and the session layer it adds towards its frontend.
export { runBffScenario, runBffSuite, bffRunFailed, type BffRunOptions, type BffTarget } from './bff/runner.ts'
export { inProcessBackend, readDeclaration, runningBackend } from './bff/targets.ts'
export { parseDeclaration, type BffDeclaration, type BffSetup, type BffSetupAnswer, type SessionCarrier } from './bff/declaration.ts'
export { defineBffScenario, type BffScenario, type BffStep, type Credential } from './bff/scenario.ts'
export { BFF_SCENARIOS } from '../scenarios/bff/index.ts'
