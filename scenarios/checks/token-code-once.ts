import { asRequests, defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** TOKEN-07: a code is single-use; only a DPoP nonce challenge allows sending it again. */
export const tokenCodeOnce = defineCheck({
  id: 'token.code-once',
  requirement: { id: 'TOKEN-07', level: 'MUST' },
  title: 'An authorization code is sent to the token endpoint once (nonce retries aside)',
  fix: 'Exchange each authorization code once (a nonce retry aside); on failure start a new login rather than resending the code.',
  judge({ transcript }) {
    const exchanges = asRequests(transcript, '/oauth/token').filter((e) => param(e, 'grant_type') === 'authorization_code')
    if (exchanges.length === 0) return skip('no code exchange happened')
    const spent = new Map<string, Exchange>()
    for (const ex of exchanges) {
      const code = param(ex, 'code') ?? ''
      const earlier = spent.get(code)
      if (earlier) {
        return fail({
          expected: 'no second use of a code after a response other than use_dpop_nonce',
          observed: `code from ${earlier.ref} (answered ${earlier.response.status}) sent again in ${describe(ex)}`,
          evidence: [earlier.ref, ex.ref],
        })
      }
      if (responseJson(ex)?.error !== 'use_dpop_nonce') spent.set(code, ex)
    }
    return pass(`${spent.size} code(s), each used once`)
  },
})
