import { defineCheck, describe, param } from '../../harness/check.ts'
import { followTrails } from '../../harness/token-trail.ts'
import { headerValue } from '../../harness/transcript.ts'
import { fail, pass, skip } from '../../harness/verdict.ts'

/** TOKEN-01/STATE-06: the code exchange is form-encoded, complete, and repeats the PAR redirect_uri exactly. */
export const tokenRequestShape = defineCheck({
  id: 'token.request-shape',
  requirement: { id: 'TOKEN-01', level: 'MUST' },
  title: 'The code exchange is a form POST with code, code_verifier, client_id, DPoP and the PAR redirect_uri',
  judge({ transcript }) {
    let judged = 0
    for (const trail of followTrails(transcript)) {
      for (const ex of trail.uses.filter((e) => e.request.path === '/oauth/token' && param(e, 'grant_type') === 'authorization_code')) {
        judged++
        const type = (headerValue(ex.request.headers, 'content-type') ?? '').split(';')[0]!.trim()
        const missing = ['code', 'code_verifier', 'client_id', 'redirect_uri'].filter((k) => param(ex, k) === undefined)
        const problems = [
          ...(type !== 'application/x-www-form-urlencoded' ? [`content-type ${JSON.stringify(type)}`] : []),
          ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
          ...(!ex.dpop ? ['no DPoP proof'] : []),
        ]
        const pushed = trail.par && param(trail.par, 'redirect_uri')
        const sent = param(ex, 'redirect_uri')
        if (pushed && sent && pushed !== sent) problems.push(`redirect_uri ${sent} differs from ${pushed} sent at PAR (STATE-06)`)
        if (problems.length > 0) {
          return fail({
            expected: 'a form body with grant_type, code, code_verifier, client_id and the redirect_uri sent at PAR, plus a DPoP proof (RFC 6749 §4.1.3)',
            observed: `${problems.join('; ')} in ${describe(ex)}`,
            evidence: [...(trail.par ? [trail.par.ref] : []), ex.ref],
          })
        }
      }
    }
    return judged > 0 ? pass(`${judged} code exchange(s)`) : skip('no code exchange happened')
  },
})
