import type { ProfileName } from '../mock-as/profile.ts'
import type { Topology } from '../model/requirement.ts'
import type { Scenario, StepOp } from './scenario.ts'

/**
 * The gate behind a negative verdict (DESIGN §4): a client that refuses a step has shown something only if the
 * same client completes that step when nothing is wrong. These helpers find the good path that shows it.
 */

/** Ops a client performs (the others are the harness's own: clock, faults). A replay is never on a good path. */
const CLIENT_OPS: ReadonlySet<StepOp> = new Set(['authorize', 'callback', 'call', 'refresh', 'restore', 'signOut'])

/**
 * A good path: the World does nothing wrong, every step must complete, and the scenario asks nothing of the
 * client beyond its kind (no capability, granular scope or production-only World it might lack).
 */
export function isGoodPath(s: Scenario): boolean {
  return (
    'completes' in s.expect &&
    Object.keys(s.faults ?? {}).length === 0 &&
    !s.needs?.length &&
    s.clientScope === undefined &&
    s.https === undefined &&
    !s.steps.some((st) => st.op === 'setFaults' || st.mayFail || st.op === 'replayCallback')
  )
}

/** What a good path must show: these client ops, for this kind of client, in this World. */
export interface GoodPathNeed {
  ops: StepOp[]
  clientKind: 'public' | 'confidential' | 'native'
  topology: Topology
  profile: ProfileName
}

/** The client ops of the steps up to and including `through`. */
export function opsThrough(scenario: Scenario, through: number): StepOp[] {
  return [...new Set(scenario.steps.slice(0, through + 1).map((s) => s.op).filter((op) => CLIENT_OPS.has(op)))]
}

/** The shortest good path of the catalog that shows `need` (fewest steps, then catalog order). */
export function goodPathFor(catalog: readonly Scenario[], need: GoodPathNeed): Scenario | undefined {
  return catalog
    .filter(
      (s) =>
        isGoodPath(s) &&
        (s.client ?? 'public') === need.clientKind &&
        (s.topology === undefined || s.topology === need.topology) &&
        (s.profile === undefined || s.profile === need.profile) &&
        need.ops.every((op) => s.steps.some((st) => st.op === op)),
    )
    .reduce<Scenario | undefined>((best, s) => (best && best.steps.length <= s.steps.length ? best : s), undefined)
}
