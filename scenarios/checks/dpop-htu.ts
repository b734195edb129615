import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-05/DPOP-11: `htu` is the request URL without query and fragment. */
export const dpopHtu = defineCheck({
  id: 'dpop.htu',
  requirement: { id: 'DPOP-11', level: 'MUST' },
  title: 'DPoP htu names the request URL without query or fragment',
  fix: 'Set htu to the request URL with the query and fragment removed (scheme, host, port and path as sent).',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    for (const ex of proofs) {
      const htu = String(ex.dpop.payload.htu ?? '')
      const target = new URL(ex.request.url)
      const expected = target.origin + target.pathname
      if (htu !== expected) {
        return fail({
          expected: `htu ${expected} (RFC 9449 §4.2: the target URI without query and fragment)`,
          observed: `htu ${JSON.stringify(htu)} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${proofs.length} proof(s) with the exact htu`)
  },
})
