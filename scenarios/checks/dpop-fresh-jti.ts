import { defineCheck } from '../../harness/check.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-05: every proof has a jti the servers have not seen, nonce retries included. */
export const dpopFreshJti = defineCheck({
  id: 'dpop.fresh-jti',
  requirement: { id: 'DPOP-05', level: 'MUST' },
  title: 'Every DPoP proof carries a jti the servers have not seen',
  fix: 'Give every DPoP proof a new random jti, nonce retries included; never resend a proof.',
  judge({ transcript }) {
    const firstUse = new Map<string, Exchange>()
    const proofs = transcript.withDpopProof()
    for (const ex of proofs) {
      const jti = String(ex.dpop.payload.jti)
      const earlier = firstUse.get(jti)
      if (earlier) {
        return fail({
          expected: 'a new jti in every proof (SPEC "DPoP": a unique DPoP token for every request)',
          observed: `jti ${jti} sent in ${earlier.ref} and again in ${ex.ref}`,
          evidence: [earlier.ref, ex.ref],
        })
      }
      firstUse.set(jti, ex)
    }
    return firstUse.size > 0 ? pass(`${firstUse.size} distinct jti`) : skip('the client sent no DPoP proof')
  },
})
