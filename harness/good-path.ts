import type { ProfileName } from '../mock-as/profile.ts'
import type { Topology } from '../model/requirement.ts'
import type { Scenario, StepOp } from './scenario.ts'

/**
 * The gate behind a negative verdict (DESIGN §4): a client that refuses a step has shown something only if the
 * same client completes that step when nothing is wrong. These helpers find the good path that shows it.
 */

/** Ops a client performs (the others are the harness's own: clock, faults). A replay is never on a good path. */
const CLIENT_OPS: ReadonlySet<StepOp> = new Set(['authorize', 'callback', 'call', 'refresh', 'restore', 'signOut'])

/** A good path: the World does nothing wrong and every step must complete. */
export function isGoodPath(s: Scenario): boolean {
  return (
    'completes' in s.expect &&
    Object.keys(s.faults ?? {}).length === 0 &&
    !s.steps.some((st) => st.op === 'setFaults' || st.mayFail || st.op === 'replayCallback')
  )
}

/** What a good path must show: these client ops, for this kind of client, in this World. */
export interface GoodPathNeed {
  ops: StepOp[]
  clientKind: 'public' | 'confidential' | 'native'
  /** The capabilities the gated scenario needs: a good path may need no others (the client may lack them). */
  needs: readonly string[]
  /** The gated scenario's granular scope, if any: a good path may ask for no other. */
  clientScope?: string
  topology: Topology
  profile: ProfileName
}

/**
 * The client ops a good path must show for the step at `through`: the login, and that step's own op. (Not every
 * op before it: a call refused after a sign-out is shown meaningful by a good path that calls, not by one that
 * calls after signing out, which no good path does.)
 */
export function opsThrough(scenario: Scenario, through: number): StepOp[] {
  const steps = scenario.steps.slice(0, through + 1)
  const ops = [...steps.filter((s) => s.op === 'authorize' || s.op === 'callback').map((s) => s.op), steps[through]!.op]
  return [...new Set(ops.filter((op) => CLIENT_OPS.has(op)))]
}

/** The shortest good path of the catalog that shows `need` (fewest steps, then catalog order). */
export function goodPathFor(catalog: readonly Scenario[], need: GoodPathNeed): Scenario | undefined {
  return catalog
    .filter(
      (s) =>
        isGoodPath(s) &&
        (s.client ?? 'public') === need.clientKind &&
        (s.needs ?? []).every((n) => need.needs.includes(n)) &&
        (s.clientScope === undefined || s.clientScope === need.clientScope) &&
        s.https === undefined &&
        (s.topology === undefined || s.topology === need.topology) &&
        (s.profile === undefined || s.profile === need.profile) &&
        need.ops.every((op) => s.steps.some((st) => st.op === op)),
    )
    .reduce<Scenario | undefined>((best, s) => (best && best.steps.length <= s.steps.length ? best : s), undefined)
}
