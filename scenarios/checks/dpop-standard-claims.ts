import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

const STANDARD = new Set(['jti', 'htm', 'htu', 'iat', 'nonce', 'ath', 'exp'])

/** DPOP-08: proofs keep to the RFC 9449 claims. */
export const dpopStandardClaims = defineCheck({
  id: 'dpop.standard-claims',
  requirement: { id: 'DPOP-08', level: 'SHOULD' },
  title: 'DPoP proofs carry only jti, htm, htu, iat, nonce and ath',
  fix: 'Put only jti, htm, htu, iat and, when needed, nonce and ath in DPoP proofs; leave out exp and custom claims.',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    for (const ex of proofs) {
      const extra = Object.keys(ex.dpop.payload).filter((k) => !STANDARD.has(k))
      if (extra.length > 0) {
        return fail({ expected: 'only jti, htm, htu, iat, nonce, ath (RFC 9449 §4.2)', observed: `extra claims ${extra.join(', ')} in ${describe(ex)}`, evidence: [ex.ref] })
      }
    }
    return pass()
  },
})
