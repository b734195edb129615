import type { FaultPlan } from '../../mock-as/faults.ts'
import type { ProfileName } from '../../mock-as/profile.ts'
import type { RequirementRef } from '../../model/requirement.ts'

/**
 * What a frontend request carries in place of (or next to) its session, to test whether the session can be
 * borrowed:
 * - `session`: the frontend's own session, from its own origin (the good path);
 * - `none`: no credential at all;
 * - `did`: no session, only the user's DID (query, JSON body, and in the session's own place);
 * - `other-did`: the same with the DID of another user who is logged in through another frontend;
 * - `other-origin`: the frontend's own session credential sent from another origin (a cross-site request);
 * - `pds-token`: no session, the user's PDS access token (as `Bearer` and `DPoP`) in its place;
 * - `other-session`: another user's valid session, naming this user's DID;
 * - `stale-session`: the credential the frontend held before its last logout (a copied cookie or header value).
 */
export type Credential = 'session' | 'none' | 'did' | 'other-did' | 'other-origin' | 'pds-token' | 'other-session' | 'stale-session'

/** What the frontend must see: 2xx (or a redirect), a 4xx refusal, or either (judged by the checks alone). */
export type StepExpect = 'ok' | 'refused' | 'any'

/** One step of a BFF scenario, played by the frontend against the backend under test. */
export type BffStep =
  /** The frontend logs the user in: login → AS consent → callback → redirect to the frontend. */
  | {
      op: 'login'
      /** `main` (alice's frontend, the default) or `other` (a second frontend on another browser, for bob). */
      frontend?: 'main' | 'other'
      /** Adds `target_link_uri`, `redirect_uri`, `return_to`, … pointing at another site to the login request. */
      redirectOverride?: boolean
    }
  /** The `other` frontend starts a login and consents; the `main` frontend's browser delivers the response. */
  | { op: 'crossCallback' }
  | { op: 'api'; credential?: Credential; parallel?: number; expect?: StepExpect }
  | { op: 'refresh'; credential?: Credential; expect?: StepExpect }
  | { op: 'logout'; expect?: StepExpect }
  /** A CORS preflight for the API endpoint from the frontend's own origin or another one. */
  | { op: 'preflight'; origin: 'frontend' | 'other' }
  | { op: 'advanceClock'; seconds: number }
  | { op: 'setFaults'; faults: FaultPlan }

export type BffStepOp = BffStep['op']

/** A scenario of the BFF family: data only; harness/bff/runner.ts owns running and judging. */
export interface BffScenario {
  id: string
  title: string
  family: 'BFF'
  requirements: RequirementRef[]
  profile?: ProfileName
  faults?: FaultPlan
  /** Endpoints the backend must declare, else the scenario is SKIPped with the reason. */
  needs?: ('refresh' | 'cookie')[]
  steps: BffStep[]
  explain: { tests: string; why: string; fix: string }
  tags?: string[]
}

/** Type-checks and freezes a BFF scenario definition. */
export function defineBffScenario(scenario: BffScenario): Readonly<BffScenario> {
  return Object.freeze(scenario)
}

/** The expectation of a step (login defaults to ok; probes with a borrowed credential to refused). */
export function stepExpect(step: BffStep): StepExpect {
  switch (step.op) {
    case 'login':
      return 'ok'
    case 'api':
    case 'refresh':
      return step.expect ?? ((step.credential ?? 'session') === 'session' ? 'ok' : step.credential === 'other-session' ? 'any' : 'refused')
    case 'logout':
      return step.expect ?? 'ok'
    default:
      return 'any'
  }
}
