import { defineCheck, describe } from '../../harness/check.ts'
import { followTrails, proofJkt } from '../../harness/token-trail.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-02: one DPoP key from PAR through token, refresh, PDS calls and revocation. */
export const dpopSameKey = defineCheck({
  id: 'dpop.same-key',
  requirement: { id: 'DPOP-02', level: 'MUST' },
  title: 'A session uses one DPoP key from PAR to sign-out',
  fix: 'Store the DPoP key with the session and sign every request of that session (PAR, token, refresh, PDS, revoke) with it.',
  judge({ transcript }) {
    const trails = followTrails(transcript).filter((t) => t.uses.length > 0)
    if (trails.length === 0) return skip('no login reached the token endpoint')
    for (const trail of trails) {
      const first = trail.uses.find((e) => e.dpop)
      const key = trail.parJkt ?? (first && proofJkt(first))
      const keyRef = trail.parJkt ? trail.par!.ref : first?.ref
      for (const ex of trail.uses) {
        const jkt = proofJkt(ex)
        if (jkt !== undefined && jkt !== key) {
          return fail({
            expected: `the session's DPoP key (thumbprint ${key}, first used in ${keyRef})`,
            observed: `a proof signed by another key (thumbprint ${jkt}) in ${describe(ex)}`,
            evidence: [keyRef!, ex.ref],
          })
        }
      }
    }
    return pass(`${trails.length} session(s), each on one key`)
  },
})
