import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-09: exactly one DPoP header, holding one proof. */
export const dpopSingleHeader = defineCheck({
  id: 'dpop.single-header',
  requirement: { id: 'DPOP-09', level: 'MUST' },
  title: 'Each request carries exactly one DPoP proof',
  fix: 'Send exactly one DPoP header per request; when retrying, replace the proof rather than adding a second one.',
  judge({ transcript }) {
    const withHeader = transcript.exchanges({ actor: 'client' }).filter((e) => e.request.headers.dpop !== undefined)
    if (withHeader.length === 0) return skip('the client sent no DPoP proof')
    const multi = withHeader.find((e) => Array.isArray(e.request.headers.dpop) || String(e.request.headers.dpop).includes(','))
    if (multi) {
      return fail({ expected: 'one DPoP header with one proof (RFC 9449 §4.3)', observed: `several proofs in ${describe(multi)}`, evidence: [multi.ref] })
    }
    return pass()
  },
})
