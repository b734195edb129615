import { defineCheck, describe } from '../../harness/check.ts'
import { dpopRequestsByOrigin, isNonceChallenge } from '../../harness/nonce-trail.ts'
import { headerValue } from '../../harness/transcript.ts'
import { fail, pass, skip } from '../../harness/verdict.ts'

/** NONCE-01/NONCE-02: a nonce challenge that brings a new nonce is retried with that nonce. */
export const nonceRetry = defineCheck({
  id: 'nonce.retry',
  requirement: { id: 'NONCE-01', level: 'MUST' },
  title: 'After a use_dpop_nonce challenge the client retries with the nonce it was given',
  judge({ transcript }) {
    let challenges = 0
    for (const requests of dpopRequestsByOrigin(transcript).values()) {
      for (let i = 0; i < requests.length; i++) {
        const ex = requests[i]!
        if (!isNonceChallenge(ex)) continue
        const nonce = headerValue(ex.response.headers, 'dpop-nonce')
        if (!nonce || ex.dpop?.payload.nonce === nonce) continue // nothing new to retry with
        challenges++
        const next = requests[i + 1]
        if (!next) {
          return fail({
            expected: `a retry carrying nonce ${nonce} (RFC 9449 §8, §9)`,
            observed: `no further request to ${new URL(ex.request.url).origin} after the challenge in ${describe(ex)}`,
            evidence: [ex.ref],
          })
        }
        if (next.dpop?.payload.nonce !== nonce) {
          return fail({
            expected: `the next proof to carry the nonce ${nonce} from ${ex.ref}`,
            observed: `nonce ${JSON.stringify(next.dpop?.payload.nonce ?? null)} in ${describe(next)}`,
            evidence: [ex.ref, next.ref],
          })
        }
      }
    }
    return challenges > 0 ? pass(`${challenges} challenge(s), each retried with its nonce`) : skip('no nonce challenge carried a new nonce')
  },
})
