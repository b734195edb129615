import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** PKCE-02: S256 only, with a well-formed challenge. */
export const pkceS256 = defineCheck({
  id: 'pkce.s256',
  requirement: { id: 'PKCE-02', level: 'MUST' },
  title: 'Authorization requests use PKCE with code_challenge_method=S256',
  fix: 'Send code_challenge = BASE64URL(SHA-256(code_verifier)) with code_challenge_method=S256; never plain or no PKCE.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    for (const ex of pars) {
      const method = param(ex, 'code_challenge_method')
      const challenge = param(ex, 'code_challenge')
      if (method !== 'S256') {
        return fail({
          expected: 'code_challenge_method=S256',
          observed: `code_challenge_method=${method ?? '(missing)'} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
      if (!challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
        return fail({
          expected: 'code_challenge = BASE64URL(SHA256(verifier)), 43 characters without padding',
          observed: `code_challenge ${JSON.stringify(challenge ?? null)} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${pars.length} PAR request(s) with S256`, pars.map((e) => e.ref))
  },
})
