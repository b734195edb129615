import { asRequests, defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** PAR-01/PAR-06: the front channel carries only `client_id` and a `request_uri` obtained by PAR. */
export const parPushed = defineCheck({
  id: 'par.pushed',
  requirement: { id: 'PAR-06', level: 'MUST' },
  title: 'The authorization URL carries only client_id and a request_uri from PAR',
  fix: 'Push every authorization request (PAR) and send the user to the authorization endpoint with only client_id and the request_uri PAR returned.',
  judge({ transcript }) {
    const opened = transcript.exchanges({ actor: 'user-agent', method: 'GET', path: '/oauth/authorize' })
    if (opened.length === 0) return skip('the user agent opened no authorization URL')
    const pushed = new Set(
      asRequests(transcript, '/oauth/par').map((e) => {
        try {
          return String(JSON.parse(e.response.body ?? '{}').request_uri)
        } catch {
          return ''
        }
      }),
    )
    for (const ex of opened) {
      const query = new URL(ex.request.url).searchParams
      const extra = [...new Set(query.keys())].filter((k) => k !== 'client_id' && k !== 'request_uri')
      if (extra.length > 0) {
        return fail({
          expected: 'only client_id and request_uri in the authorization URL (RFC 9126 §4)',
          observed: `extra parameters ${extra.join(', ')} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
      const uri = query.get('request_uri')
      if (!uri || !pushed.has(uri)) {
        return fail({
          expected: 'a request_uri returned by the PAR endpoint',
          observed: uri ? `request_uri ${uri} was never returned by PAR` : 'no request_uri in the authorization URL',
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${opened.length} authorization URL(s), all pushed`, opened.map((e) => e.ref))
  },
})
