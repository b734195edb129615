import { fail, pass, skip } from '../../../model/verdict.ts'
import { grants, stepLabel, type BffCheck } from './shared.ts'

export const singleFlight: BffCheck = {
  id: 'bff.single-flight-refresh',
  requirement: { id: 'BFF-11', level: 'MUST' },
  title: 'Concurrent frontend requests during expiry cause one refresh grant',
  fix: 'Serialize refreshes per session (a lock or a shared promise) so concurrent requests wait for one refresh grant.',
  judge({ transcript, scenario }) {
    const steps = scenario.steps.flatMap((s, i) => (s.op === 'api' && (s.parallel ?? 1) > 1 ? [i] : []))
    if (steps.length === 0) return skip('the scenario sends no concurrent requests')
    let seen = 0
    for (const i of steps) {
      const refreshes = grants(transcript, 'refresh_token', i)
      seen += refreshes.length
      if (refreshes.length > 1) {
        return fail({
          expected: 'one refresh grant for concurrent requests; the others wait for it',
          observed: `${refreshes.length} refresh grants in ${stepLabel(scenario, i)}: ${refreshes.map((e) => e.ref).join(', ')}`,
          evidence: refreshes.map((e) => e.ref),
        })
      }
    }
    return seen > 0 ? pass('one refresh grant served the concurrent requests') : skip('no refresh happened during the concurrent requests')
  },
}
