import { defineCheck, describe } from '../../harness/check.ts'
import { isNonceChallenge } from '../../harness/nonce-trail.ts'
import type { Exchange } from '../../harness/transcript.ts'
import { fail, pass, skip } from '../../harness/verdict.ts'

/** NONCE-04: at most one nonce retry per request; a repeated challenge is an error, not a loop. */
export const nonceBounded = defineCheck({
  id: 'nonce.bounded',
  requirement: { id: 'NONCE-04', level: 'MUST' },
  title: 'The client retries a nonce challenge at most once per request',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    const run = new Map<string, Exchange[]>()
    for (const ex of proofs) {
      const key = `${ex.request.method} ${new URL(ex.request.url).origin}${ex.request.path}`
      if (!isNonceChallenge(ex)) {
        run.delete(key)
        continue
      }
      const streak = [...(run.get(key) ?? []), ex]
      run.set(key, streak)
      if (streak.length > 2) {
        return fail({
          expected: 'one retry after a nonce challenge, then give up with an error',
          observed: `${streak.length} challenged attempts in a row at ${describe(ex)}`,
          evidence: streak.map((e) => e.ref),
        })
      }
    }
    return pass()
  },
})
