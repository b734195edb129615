import { assertionRequests } from '../../harness/assertions.ts'
import { defineCheck, describe, responseJson } from '../../harness/check.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** CONF-05: a new client assertion for every request the AS processed (nonce retries: see conf.fresh-on-retry). */
export const confFreshJti = defineCheck({
  id: 'conf.fresh-jti',
  requirement: { id: 'CONF-05', level: 'MUST' },
  title: 'No client assertion is presented again after the AS accepted it',
  fix: 'Sign a new client assertion with a new jti for every request; never present one the AS already accepted.',
  judge({ transcript }) {
    const sent = assertionRequests(transcript)
    if (sent.length === 0) return skip('the client sent no client assertion (public client)')
    const accepted = new Map<string, Exchange>()
    for (const { ex, jti } of sent) {
      if (!jti) continue
      const earlier = accepted.get(jti)
      if (earlier) {
        return fail({
          expected: 'a new assertion (new jti) for every request (RFC 7523 §3: the AS may reject replays)',
          observed: `assertion jti ${jti}, already processed in ${earlier.ref}, sent again in ${describe(ex)}`,
          evidence: [earlier.ref, ex.ref],
        })
      }
      // A nonce challenge comes before client authentication at the reference AS: that assertion was not used.
      if (responseJson(ex)?.error !== 'use_dpop_nonce') accepted.set(jti, ex)
    }
    return pass(`${sent.length} assertion(s)`)
  },
})
