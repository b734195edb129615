import { defineCheck, describe } from '../../harness/check.ts'
import { dpopRequestsByOrigin, isNonceChallenge, type ProofExchange } from '../../harness/nonce-trail.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * NONCE-04: at most one nonce retry per request; a repeated challenge is an error, not a loop. A retry is a
 * later request to the same origin and path that carries the nonce the previous challenge handed out; a chain
 * of three challenged attempts means the client retried a retry.
 */
export const nonceBounded = defineCheck({
  id: 'nonce.bounded',
  requirement: { id: 'NONCE-04', level: 'MUST' },
  title: 'The client retries a nonce challenge at most once per request',
  fix: 'Retry a use_dpop_nonce challenge at most once per request; a second challenge is an error to report, not a loop.',
  judge({ transcript }) {
    const byOrigin = dpopRequestsByOrigin(transcript)
    if (byOrigin.size === 0) return skip('the client sent no DPoP proof')
    for (const requests of byOrigin.values()) {
      const chainOf = new Map<ProofExchange, ProofExchange[]>()
      for (const ex of requests) {
        if (!isNonceChallenge(ex)) continue
        const parent = [...chainOf.keys()].reverse().find(
          (c) =>
            c.endTick < ex.startTick &&
            c.request.path === ex.request.path &&
            c.request.method === ex.request.method &&
            headerValue(c.response.headers, 'dpop-nonce') === ex.dpop.payload.nonce,
        )
        const chain = [...(parent ? chainOf.get(parent)! : []), ex]
        chainOf.set(ex, chain)
        if (chain.length > 2) {
          return fail({
            expected: 'one retry after a nonce challenge, then give up with an error',
            observed: `${chain.length} challenged attempts in a row, each retrying the last, at ${describe(ex)}`,
            evidence: chain.map((e) => e.ref),
          })
        }
      }
    }
    return pass()
  },
})
