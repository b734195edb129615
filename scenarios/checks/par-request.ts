import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

const REQUIRED = ['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method']

/** PAR-03: every parameter atproto requires, with response_type=code. */
export const parRequestFields = defineCheck({
  id: 'par.request-fields',
  requirement: { id: 'PAR-03', level: 'MUST' },
  title: 'PAR carries client_id, response_type=code, redirect_uri, scope, state and PKCE',
  fix: 'Put client_id, response_type=code, redirect_uri, scope, state, code_challenge and code_challenge_method=S256 in every PAR body.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    for (const ex of pars) {
      const missing = REQUIRED.filter((k) => param(ex, k) === undefined)
      const responseType = param(ex, 'response_type')
      if (missing.length > 0 || (responseType !== undefined && responseType !== 'code')) {
        return fail({
          expected: `${REQUIRED.join(', ')} with response_type=code (SPEC "Request Fields")`,
          observed: `${missing.length ? `missing ${missing.join(', ')}` : `response_type=${responseType}`} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${pars.length} PAR request(s)`)
  },
})

/** PAR-02: the PAR body is form-encoded (the reference also takes JSON; a strict AS does not). */
export const parFormBody = defineCheck({
  id: 'par.form-body',
  requirement: { id: 'PAR-02', level: 'MUST' },
  title: 'PAR bodies are application/x-www-form-urlencoded',
  fix: 'Send PAR as an application/x-www-form-urlencoded POST body, not JSON and not query parameters.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    for (const ex of pars) {
      const type = (headerValue(ex.request.headers, 'content-type') ?? '').split(';')[0]!.trim()
      if (type !== 'application/x-www-form-urlencoded') {
        return fail({
          expected: 'Content-Type: application/x-www-form-urlencoded (RFC 9126 §2.1)',
          observed: `content-type ${JSON.stringify(type)} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass()
  },
})
