import { defineCheck, describe } from '../../harness/check.ts'
import { dpopRequestsByOrigin, isNonceChallenge } from '../../harness/nonce-trail.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * NONCE-01/NONCE-02: a nonce challenge that brings a new nonce is retried with that nonce. Requests may run
 * in parallel, so "after" means started after the challenge was answered (ticks), on the same origin and path.
 */
export const nonceRetry = defineCheck({
  id: 'nonce.retry',
  requirement: { id: 'NONCE-01', level: 'MUST' },
  title: 'After a use_dpop_nonce challenge the client retries with the nonce it was given',
  fix: 'On 400/401 use_dpop_nonce, read the DPoP-Nonce response header and retry once with a new proof carrying that nonce.',
  judge({ transcript }) {
    let challenges = 0
    for (const requests of dpopRequestsByOrigin(transcript).values()) {
      for (const ex of requests) {
        if (!isNonceChallenge(ex, { canonical: true })) continue
        const nonce = headerValue(ex.response.headers, 'dpop-nonce')
        if (!nonce || ex.dpop.payload.nonce === nonce) continue // nothing new to retry with
        // A challenged retry need not be retried again (NONCE-04: one retry per request).
        const isRetry = requests.some(
          (c) => c.endTick < ex.startTick && c.request.path === ex.request.path && isNonceChallenge(c) && headerValue(c.response.headers, 'dpop-nonce') === ex.dpop.payload.nonce,
        )
        if (isRetry) continue
        challenges++
        const later = requests.filter((r) => r.startTick > ex.endTick)
        const retried = later.some((r) => r.request.path === ex.request.path && r.dpop.payload.nonce === nonce)
        // A nonce the server handed out even later also counts: the client used the newest one it had.
        const newer = later.some((r) => r.request.path === ex.request.path && typeof r.dpop.payload.nonce === 'string' && r.dpop.payload.nonce !== ex.dpop.payload.nonce)
        if (retried || newer) continue
        const next = later.find((r) => r.request.path === ex.request.path)
        return fail({
          expected: `a retry of ${ex.request.method} ${ex.request.path} carrying nonce ${nonce} (RFC 9449 §8, §9)`,
          observed: next
            ? `nonce ${JSON.stringify(next.dpop.payload.nonce ?? null)} in ${describe(next)}`
            : `no retry after the challenge in ${describe(ex)}`,
          evidence: next ? [ex.ref, next.ref] : [ex.ref],
        })
      }
    }
    return challenges > 0 ? pass(`${challenges} challenge(s), each retried with its nonce`) : skip('no nonce challenge carried a new nonce')
  },
})
