import { fail, pass, skip } from '../../../model/verdict.ts'
import { headerValue } from '../../../model/transcript.ts'
import { backendExchanges, type BffCheck } from './shared.ts'

export const corsFrontendOnly: BffCheck = {
  id: 'bff.cors-frontend-only',
  requirement: { id: 'BFF-05', level: 'MUST' },
  title: 'CORS is granted only to the registered frontend origin',
  fix: 'Answer CORS only for the registered frontend origin, never with * or by echoing any Origin, and with credentials only for it.',
  judge({ transcript, declaration }) {
    const foreign = backendExchanges(transcript).filter((e) => {
      const origin = headerValue(e.request.headers, 'origin')
      return origin !== undefined && origin !== declaration.frontend.origin && headerValue(e.request.headers, 'sec-fetch-mode') === 'cors'
    })
    if (foreign.length === 0) return skip('no request came from another origin')
    for (const ex of foreign) {
      const allowed = headerValue(ex.response.headers, 'access-control-allow-origin')
      const origin = headerValue(ex.request.headers, 'origin')!
      if (allowed === '*' || allowed === origin) {
        return fail({
          expected: `Access-Control-Allow-Origin only for ${declaration.frontend.origin}`,
          observed: `the backend answered ${origin} with Access-Control-Allow-Origin: ${allowed}` +
            `${headerValue(ex.response.headers, 'access-control-allow-credentials') === 'true' ? ' and credentials allowed' : ''} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`no CORS grant for another origin in ${foreign.length} request(s)`, foreign.map((e) => e.ref))
  },
}
