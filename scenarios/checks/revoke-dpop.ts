import { asRequests, defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** REVOKE-02: revocation carries a DPoP proof from the session key; without one the reference revokes nothing. */
export const revokeDpop = defineCheck({
  id: 'revoke.dpop',
  requirement: { id: 'REVOKE-02', level: 'MUST' },
  title: 'Revocation requests carry a DPoP proof',
  fix: 'Sign a DPoP proof with the session\'s key for the revocation request too.',
  judge({ transcript }) {
    const revokes = asRequests(transcript, '/oauth/revoke')
    if (revokes.length === 0) return skip('the client sent no revocation request')
    const bare = revokes.find((e) => !e.dpop)
    if (bare) {
      return fail({
        expected: 'a DPoP proof from the session key on the revocation request (the reference answers 200 {} and revokes nothing without it)',
        observed: `no DPoP proof on ${describe(bare)}`,
        evidence: [bare.ref],
      })
    }
    return pass(`${revokes.length} revocation request(s) with a proof`)
  },
})
