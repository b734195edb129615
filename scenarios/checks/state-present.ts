import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** STATE-01: `state` is present, random-looking and never repeated. */
export const statePresent = defineCheck({
  id: 'state.present',
  requirement: { id: 'STATE-01', level: 'MUST' },
  title: 'Every authorization request carries a fresh, unguessable state',
  fix: 'Send a new random state (at least 128 bits) in every authorization request and keep it with the pending login.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par').filter((e) => e.response.status === 201)
    if (pars.length === 0) return skip('no PAR request succeeded')
    const seen = new Map<string, string>()
    for (const ex of pars) {
      const state = param(ex, 'state')
      if (!state || state.length < 16) {
        return fail({
          expected: 'a random state of at least 16 characters (≥ 96 bits)',
          observed: state ? `state ${JSON.stringify(state)} is too short to be unguessable` : `no state in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
      const earlier = seen.get(state)
      if (earlier) {
        return fail({ expected: 'a new state for every authorization request', observed: `state reused`, evidence: [earlier, ex.ref] })
      }
      seen.set(state, ex.ref)
    }
    return pass(undefined, pars.map((e) => e.ref))
  },
})
