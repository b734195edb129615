import { defineCheck, describe, param } from '../../harness/check.ts'
import { codeExchanges, followTrails } from '../../harness/token-trail.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** TOKEN-01: the code exchange is form-encoded and complete. */
export const tokenRequestShape = defineCheck({
  id: 'token.request-shape',
  requirement: { id: 'TOKEN-01', level: 'MUST' },
  title: 'The code exchange is a form POST with code, code_verifier, client_id, redirect_uri and DPoP',
  fix: 'Send the code exchange as a form POST with grant_type=authorization_code, code, code_verifier, client_id, redirect_uri and a DPoP proof.',
  judge({ transcript }) {
    let judged = 0
    for (const trail of followTrails(transcript)) {
      for (const ex of codeExchanges(trail)) {
        judged++
        const type = (headerValue(ex.request.headers, 'content-type') ?? '').split(';')[0]!.trim()
        const missing = ['code', 'code_verifier', 'client_id', 'redirect_uri'].filter((k) => param(ex, k) === undefined)
        const problems = [
          ...(type !== 'application/x-www-form-urlencoded' ? [`content-type ${JSON.stringify(type)}`] : []),
          ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
          ...(!ex.dpop ? ['no DPoP proof'] : []),
        ]
        if (problems.length > 0) {
          return fail({
            expected: 'a form body with grant_type, code, code_verifier, client_id and redirect_uri, plus a DPoP proof (RFC 6749 §4.1.3)',
            observed: `${problems.join('; ')} in ${describe(ex)}`,
            evidence: [...(trail.par ? [trail.par.ref] : []), ex.ref],
          })
        }
      }
    }
    return judged > 0 ? pass(`${judged} code exchange(s)`) : skip('no code exchange happened')
  },
})

/** STATE-06: the code exchange repeats exactly the redirect_uri sent at PAR. */
export const stateRedirectUri = defineCheck({
  id: 'state.redirect-uri',
  requirement: { id: 'STATE-06', level: 'MUST' },
  title: 'The token request uses the redirect_uri sent at PAR',
  fix: 'Send the redirect_uri used at PAR, character for character, in the code exchange.',
  judge({ transcript }) {
    let judged = 0
    for (const trail of followTrails(transcript)) {
      const pushed = trail.par && param(trail.par, 'redirect_uri')
      for (const ex of codeExchanges(trail)) {
        judged++
        const sent = param(ex, 'redirect_uri')
        if (pushed !== undefined && sent !== pushed) {
          return fail({
            expected: `redirect_uri ${pushed}, as sent at PAR (${trail.par!.ref}) (RFC 6749 §4.1.3)`,
            observed: `redirect_uri ${JSON.stringify(sent ?? null)} in ${describe(ex)}`,
            evidence: [trail.par!.ref, ex.ref],
          })
        }
      }
    }
    return judged > 0 ? pass() : skip('no code exchange happened')
  },
})
