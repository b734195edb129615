/** The shape of a differential case: an id, the area it covers, and what it does with one side's agent. */
import type { Agent } from './agent.ts'

export type Area = 'par' | 'dpop' | 'authorize' | 'token' | 'refresh' | 'revoke' | 'metadata' | 'pds' | 'permissions'

export interface Case {
  /** Stable and unique: the capture file names and the deviation list refer to it. */
  id: string
  area: Area
  /** `generated` cases come from fast-check with a fixed seed; `sequence` ones are written by hand. */
  kind: 'generated' | 'sequence'
  /** Runs on one side; every exchange it marks as compared is compared with the other side's, in order. */
  run(agent: Agent): Promise<void>
}

/** The fixed seed of every generator, so runs repeat. */
export const SEED = 20261202
