import { accessTokenOf, defineCheck, describe } from '../../harness/check.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** RES-02/RES-04: access tokens go to the session's PDS only, never to the AS, identity services or anywhere else. */
export const resTokenToPdsOnly = defineCheck({
  id: 'res.token-to-pds-only',
  requirement: { id: 'RES-04', level: 'MUST' },
  alsoCovers: ['RES-02'],
  title: 'The access token is only ever sent to the PDS',
  fix: 'Send the access token only to the PDS the session was issued for (the aud of the token response), never to other services.',
  judge({ transcript }) {
    const authed = transcript.exchanges({ actor: 'client' }).filter((e) => headerValue(e.request.headers, 'authorization'))
    if (authed.length === 0) return skip('the client sent no Authorization header')
    const astray = authed.find((e) => e.server !== 'pds' || !e.request.path.startsWith('/xrpc/') || !accessTokenOf(e))
    if (astray && astray.server !== 'pds') {
      return fail({
        expected: 'Authorization headers only on XRPC requests to the PDS (RFC 9700 §4.9: audience restriction)',
        observed: `an Authorization header sent to the ${astray.server} in ${describe(astray)}`,
        evidence: [astray.ref],
      })
    }
    return pass(`${authed.length} authenticated request(s), all to the PDS`)
  },
})
