import { inProcessBackend } from '../../../harness/bff/targets.ts'
import type { BffTarget } from '../../../harness/bff/runner.ts'
import { startBffBackend } from './app.ts'
import type { BffFlaw } from './flaws.ts'

/** The example backend as a BFF target, optionally with flaws switched on. */
export function bffBackend(flaws: readonly BffFlaw[] = []): BffTarget {
  const name = flaws.length ? `bff-backend:${flaws.join('+')}` : 'bff-backend'
  return inProcessBackend(name, () => startBffBackend({ flaws }))
}
