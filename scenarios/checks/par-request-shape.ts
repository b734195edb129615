import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { headerValue } from '../../harness/transcript.ts'
import { fail, pass, skip } from '../../harness/verdict.ts'

const REQUIRED = ['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method']

/** PAR-02/PAR-03: a form-encoded PAR with every parameter atproto requires. */
export const parRequestShape = defineCheck({
  id: 'par.request-shape',
  requirement: { id: 'PAR-03', level: 'MUST' },
  title: 'PAR is form-encoded and carries client_id, response_type=code, redirect_uri, scope, state and PKCE',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    for (const ex of pars) {
      const type = (headerValue(ex.request.headers, 'content-type') ?? '').split(';')[0]!.trim()
      const missing = REQUIRED.filter((k) => param(ex, k) === undefined)
      const problems = [
        ...(type !== 'application/x-www-form-urlencoded' ? [`content-type ${JSON.stringify(type)} (PAR-02 wants a form body)`] : []),
        ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
        ...(param(ex, 'response_type') !== undefined && param(ex, 'response_type') !== 'code' ? [`response_type=${param(ex, 'response_type')}`] : []),
      ]
      if (problems.length > 0) {
        return fail({
          expected: `an application/x-www-form-urlencoded body with ${REQUIRED.join(', ')} (SPEC "Request Fields")`,
          observed: `${problems.join('; ')} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${pars.length} PAR request(s)`)
  },
})
