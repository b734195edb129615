import { asRequests, defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** PAR-04: DPoP starts at PAR: every PAR request carries a proof. */
export const parDpop = defineCheck({
  id: 'par.dpop',
  requirement: { id: 'PAR-04', level: 'MUST' },
  title: 'Every PAR request carries a DPoP proof',
  fix: 'Sign a DPoP proof for every PAR request, the first one and every nonce retry, with the session\'s DPoP key.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    const bare = pars.find((e) => !e.dpop)
    if (bare) {
      return fail({
        expected: 'a DPoP header on the PAR request (SPEC "DPoP": clients must initiate DPoP at PAR)',
        observed: `no DPoP proof on ${describe(bare)}`,
        evidence: [bare.ref],
      })
    }
    return pass(`${pars.length} PAR request(s) with a proof`, pars.map((e) => e.ref))
  },
})
