import { defineCheck, describe, param } from '../../harness/check.ts'
import { tryDecodeJws } from '../../protocol/jws.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** CONF-02: client assertions with iss = sub = client_id, aud = issuer, kid, exp and a jti. */
export const confAssertion = defineCheck({
  id: 'conf.assertion',
  requirement: { id: 'CONF-02', level: 'MUST' },
  title: 'Client assertions name the client, the issuer as audience, a kid, exp and a jti',
  fix: 'Sign client assertions with iss = sub = client_id, aud = the AS issuer, a kid of a published key, a short exp and a random jti.',
  judge({ transcript, urls }) {
    const withAssertion = transcript
      .exchanges({ actor: 'client' })
      .filter((e) => e.request.path.startsWith('/oauth/') && param(e, 'client_assertion') !== undefined)
    if (withAssertion.length === 0) return skip('the client sent no client assertion (public client)')
    for (const ex of withAssertion) {
      const jws = tryDecodeJws(param(ex, 'client_assertion')!)
      const clientId = param(ex, 'client_id')
      const problems: string[] = []
      if (param(ex, 'client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        problems.push('client_assertion_type is not jwt-bearer')
      }
      if (!jws) problems.push('the assertion is not a compact JWS')
      else {
        const { header, payload } = jws
        if (typeof header.kid !== 'string') problems.push('no kid header')
        if (header.alg === 'none' || typeof header.alg !== 'string') problems.push(`alg ${JSON.stringify(header.alg)}`)
        if (payload.iss !== clientId) problems.push(`iss ${JSON.stringify(payload.iss)} ≠ client_id`)
        if (payload.sub !== clientId) problems.push(`sub ${JSON.stringify(payload.sub)} ≠ client_id`)
        if (payload.aud !== urls.issuer && !(Array.isArray(payload.aud) && payload.aud.includes(urls.issuer))) {
          problems.push(`aud ${JSON.stringify(payload.aud)} ≠ issuer ${urls.issuer}`)
        }
        if (typeof payload.exp !== 'number') problems.push('no exp')
        if (typeof payload.jti !== 'string' || payload.jti === '') problems.push('no jti')
      }
      if (problems.length > 0) {
        return fail({
          expected: 'iss = sub = client_id, aud = the issuer, a kid, exp and jti (RFC 7523 §3, SPEC)',
          observed: `${problems.join('; ')} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${withAssertion.length} assertion(s)`)
  },
})
