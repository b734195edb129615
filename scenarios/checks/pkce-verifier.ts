import { createHash } from 'node:crypto'
import { defineCheck, describe, param } from '../../harness/check.ts'
import { codeExchanges, followTrails } from '../../harness/token-trail.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** PKCE-03 (+PKCE-01): the code exchange sends the verifier of the challenge pushed at PAR. */
export const pkceVerifier = defineCheck({
  id: 'pkce.verifier',
  requirement: { id: 'PKCE-03', level: 'MUST' },
  title: 'The token request sends the code_verifier matching the PAR code_challenge',
  fix: 'Keep the code_verifier with the pending login (by state) and send that exact verifier in the code exchange.',
  judge({ transcript }) {
    let checked = 0
    for (const trail of followTrails(transcript)) {
      const exchange = codeExchanges(trail)[0]
      if (!exchange || !trail.codeChallenge) continue
      checked++
      const verifier = param(exchange, 'code_verifier')
      if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
        return fail({
          expected: 'a code_verifier of 43–128 unreserved characters (RFC 7636 §4.1)',
          observed: verifier ? `code_verifier of length ${verifier.length} in ${describe(exchange)}` : `no code_verifier in ${describe(exchange)}`,
          evidence: [exchange.ref],
        })
      }
      if (createHash('sha256').update(verifier).digest('base64url') !== trail.codeChallenge) {
        return fail({
          expected: `S256(code_verifier) = the code_challenge pushed in ${trail.par!.ref}`,
          observed: `a verifier that does not hash to it in ${describe(exchange)}`,
          evidence: [trail.par!.ref, exchange.ref],
        })
      }
    }
    return checked > 0 ? pass(`${checked} code exchange(s)`) : skip('no code exchange happened')
  },
})
