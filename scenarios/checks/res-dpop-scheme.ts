import { defineCheck, describe, pdsRequests } from '../../harness/check.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** RES-01: `Authorization: DPoP <token>` with a proof on every authenticated PDS request, never Bearer. */
export const resDpopScheme = defineCheck({
  id: 'res.dpop-scheme',
  requirement: { id: 'RES-01', level: 'MUST' },
  title: 'Authenticated PDS requests use the DPoP scheme with a proof',
  fix: 'Call the PDS with Authorization: DPoP <access token> plus a DPoP proof; never the Bearer scheme.',
  judge({ transcript }) {
    const authed = pdsRequests(transcript).filter((e) => headerValue(e.request.headers, 'authorization'))
    if (authed.length === 0) return skip('the client made no authenticated PDS request')
    for (const ex of authed) {
      const auth = headerValue(ex.request.headers, 'authorization')!
      if (!/^DPoP \S+$/.test(auth) || !ex.dpop) {
        return fail({
          expected: 'Authorization: DPoP <access token> plus a DPoP proof header (RFC 9449 §7.1)',
          observed: `Authorization: ${auth.split(' ')[0]} …${ex.dpop ? '' : ' without a DPoP proof'} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${authed.length} request(s)`)
  },
})
