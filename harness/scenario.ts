import type { FaultPlan } from '../mock-as/faults.ts'
import type { ProfileName } from '../mock-as/profile.ts'
import type { Capabilities } from './drivers/types.ts'
import type { Family, Level, RequirementRef, Topology } from '../model/requirement.ts'

export type { Family, Level, RequirementRef } from '../model/requirement.ts'

/** How the user names the account at login: the runner turns it into a string from the World. */
export type LoginInput = 'handle' | 'did' | 'pds-url' | 'entryway-url'

/** One step of a scenario; the runner executes them in order against the driver. */
export type Step = (
  /** `scope`: the scope the app asks the client to request (e.g. a scope upgrade by a second authorization). */
  | { op: 'authorize'; input?: LoginInput; account?: 'plc' | 'web'; scope?: string }
  | {
      op: 'callback'
      decision?: 'approve' | 'deny'
      /** Requested permissions the user removes at consent (prefixes, e.g. `blob:`): a partial grant. */
      grant?: { omit: string[] }
      /**
       * The user opens the authorization page this late (World and client clocks move first). If the AS then
       * shows an error page (the request expired), the login ends there: the step completes and nothing reaches
       * the client.
       */
      openAfterSeconds?: number
      /** The user agent holds the redirect this long (World and client clocks move) before delivering it. */
      deliverAfterSeconds?: number
    }
  /** The browser delivers the previous authorization response to the client once more. */
  | { op: 'replayCallback' }
  /** `parallel` calls at once (e.g. to see whether refreshes are single-flight); `query` is appended to the path. */
  | {
      op: 'call'
      method?: 'GET' | 'POST'
      nsid?: string
      /** `post`: a createRecord body (in `collection`, app.bsky.feed.post by default); `blob`: a small PNG for uploadBlob. */
      body?: 'post' | 'blob'
      /** The collection of a `post` body. */
      collection?: string
      query?: string
      parallel?: number
      /** A proxied call to this service reference (`did…#service`): the client sends it as `atproto-proxy`. */
      proxy?: string
    }
  /**
   * `background`: start the operation and go on once it settles or the World holds its response (fault
   * `holdResponse`); a later `release` step waits for it.
   */
  | { op: 'refresh'; background?: true }
  | { op: 'restore' }
  /** `background`: start the sign-out and go on once it settles or the World has answered its revocation. */
  | { op: 'signOut'; background?: true }
  /**
   * Moves time. By default only the World's clock (tokens expire at the servers, the client does not know);
   * `client: 'with'` moves the client's clock and the World's real time too (time passes for everyone);
   * `client: 'only'` skews the client's clock alone, forward or back (a client whose clock is wrong).
   */
  | { op: 'advanceClock'; seconds: number; client?: 'with' | 'only' }
  /** Lets a held response go (fault `holdResponse`) and waits for the background operations. */
  | { op: 'release'; seam: 'refresh' }
  /** From here on the client's session store fails on every write (driver capability `storeFaults`). */
  | { op: 'failSessionStore' }
  /** Changes the World's faults from here on (merged into the plan; `$` symbols resolved). */
  | { op: 'setFaults'; faults: FaultPlan }
  /**
   * The client's operator deploys a metadata document that also declares these scope tokens: the document the
   * World serves changes at once, an AS that cached the old one sees it only when its copy expires (META-18).
   * Needs a client whose metadata the World serves (confidential or native).
   */
  | { op: 'declareScope'; scope: string }
) & {
  /** The client may refuse this step without failing the scenario (e.g. a refresh answered 503); later steps still run. */
  mayFail?: boolean
}

export type StepOp = Step['op']

/** A request pattern, `METHOD /path` (e.g. `POST /oauth/token`). */
export type RequestPattern = `${'GET' | 'POST'} /${string}`

/** The correct client behaviour. */
export type Expectation =
  | {
      /** Every step completes. */
      completes: true
      /** Requests the client must send during the scenario (e.g. the revocation on sign-out). */
      sends?: RequestPattern[]
      /** Upper bounds on requests (nonce-challenged attempts not counted), e.g. one refresh for parallel calls. */
      atMost?: Partial<Record<RequestPattern, number>>
      /** Lower bounds on requests (nonce-challenged attempts not counted), e.g. a fresh identity lookup per login. */
      atLeast?: Partial<Record<RequestPattern, number>>
      /** The scope the client must report for the session (the granted one, TOKEN-10). */
      sessionScope?: string
      /** The client may instead refuse a step, if its code or message matches (a clear error is also correct). */
      orRefuses?: { message: string }
    }
  | {
      /** The client must refuse this step (the first step with this op, or the `nth`)... */
      failsAt: StepOp
      /** Which step with that op, counted from 1 (e.g. 2: the second login); 1 when omitted. */
      nth?: number
      /** ...and never send these requests from that step on. */
      forbidden?: RequestPattern[]
      /** Upper bounds on requests over the whole scenario (nonce-challenged attempts not counted). */
      atMost?: Partial<Record<RequestPattern, number>>
      /** Requests the client must still send (e.g. revoking tokens it refuses to keep, REVOKE-06). */
      sends?: RequestPattern[]
      /** The refusal's code or message must match this (case-insensitive regular expression), e.g. `access_denied`. */
      message?: string
    }

/** A scenario: data only; the runner owns starting, stopping and judging. */
export interface Scenario {
  /** Stable kebab-case id; also the file name. */
  id: string
  title: string
  family: Family
  requirements: RequirementRef[]
  /** Server profile the scenario needs; `reference` when omitted. */
  profile?: ProfileName
  topology?: Topology
  /** Public (default), confidential or native client. */
  client?: 'public' | 'confidential' | 'native'
  /** How a confidential client publishes its keys (`jwks` inline by default). */
  publishKeysBy?: 'jwks' | 'jwks_uri'
  /**
   * The scope the client declares and requests (granular permissions, `DriverContext.scope`); the scenario then
   * needs the `granularScopes` capability.
   */
  clientScope?: string
  /**
   * `required`: the scenario tests the production configuration (e.g. refusing http, DISC-18), so its World is
   * always presented under https host names; a driver that cannot reach them SKIPs it with the reason.
   */
  https?: 'required'
  /** Capabilities the client must have, else the scenario is SKIPped with the reason. */
  needs?: (keyof Capabilities)[]
  faults?: FaultPlan
  steps: Step[]
  expect: Expectation
  /**
   * What the client must have sent for the scenario's requirement to be reached: without such a request the
   * expectation is INCONCLUSIVE with `otherwise` as the reason, whatever the steps did (a requirement is scored
   * only when the client exercised it). E.g. one refresh for parallel calls (REFRESH-03) is not reached by a
   * client that never refreshes; that it should refresh is another scenario's requirement (REFRESH-04).
   */
  exercised?: { sends: RequestPattern; params?: Record<string, string>; otherwise: string }
  /** What is tested, why it matters, how to fix a failing client. */
  explain: { tests: string; why: string; fix: string }
  tags?: string[]
}

/** Type-checks and freezes a scenario definition. */
export function defineScenario(scenario: Scenario): Readonly<Scenario> {
  return Object.freeze(scenario)
}
