import { createHash } from 'node:crypto'
import { accessTokenOf, defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-06: `ath` = BASE64URL(SHA-256(access token)) on every PDS request, and no `ath` at the AS. */
export const dpopAth = defineCheck({
  id: 'dpop.ath',
  requirement: { id: 'DPOP-06', level: 'MUST' },
  title: 'Resource requests carry ath of the access token; AS requests carry none',
  fix: 'On PDS requests set ath = BASE64URL(SHA-256(access token)); leave ath out of proofs sent to the authorization server.',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    for (const ex of proofs) {
      const token = accessTokenOf(ex)
      const ath = ex.dpop.payload.ath
      if (token) {
        const expected = createHash('sha256').update(token).digest('base64url')
        if (ath !== expected) {
          return fail({
            expected: 'ath = BASE64URL(SHA-256(access token)) on the resource request',
            observed: ath === undefined ? `no ath in ${describe(ex)}` : `ath ${JSON.stringify(ath)} does not hash the token sent in ${describe(ex)}`,
            evidence: [ex.ref],
          })
        }
      } else if (ex.request.path.startsWith('/oauth/') && ath !== undefined) {
        return fail({
          expected: 'no ath in proofs sent to the authorization server (reference: "DPoP \\"ath\\" claim not allowed")',
          observed: `ath present in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass()
  },
})
