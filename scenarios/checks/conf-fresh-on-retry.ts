import { assertionRequests } from '../../harness/assertions.ts'
import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * NONCE-07 (assertion part, warning-level in the catalog §4): the nonce retry should carry a fresh assertion,
 * since an AS that authenticates the client before checking the nonce has already burned the first one.
 */
export const confFreshOnRetry = defineCheck({
  id: 'conf.fresh-on-retry',
  requirement: { id: 'NONCE-07', level: 'SHOULD' },
  title: 'A nonce retry carries a fresh client assertion',
  fix: 'Rebuild the whole request on a nonce retry: a new DPoP proof and a new client assertion with a new jti.',
  judge({ transcript }) {
    const sent = assertionRequests(transcript)
    if (sent.length === 0) return skip('the client sent no client assertion (public client)')
    for (let i = 1; i < sent.length; i++) {
      const prev = sent[i - 1]!
      const cur = sent[i]!
      if (prev.jti && prev.jti === cur.jti) {
        return fail({
          expected: 'a new client_assertion in the retry after use_dpop_nonce (BP-61, FIELD-75)',
          observed: `the assertion of ${prev.ex.ref} resent unchanged in ${describe(cur.ex)}; an AS that checks the client before the nonce would answer invalid_client`,
          evidence: [prev.ex.ref, cur.ex.ref],
        })
      }
    }
    return pass(`${sent.length} assertion(s), none resent`)
  },
})
