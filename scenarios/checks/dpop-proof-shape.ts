import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

const ASYMMETRIC = /^(ES|RS|PS)(256|384|512)$|^ES256K$|^EdDSA$/
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

/** DPOP-04/05: header `typ` dpop+jwt, asymmetric `alg`, public `jwk`; claims htm, htu, iat, jti present. */
export const dpopProofShape = defineCheck({
  id: 'dpop.proof-shape',
  requirement: { id: 'DPOP-04', level: 'MUST' },
  title: 'DPoP proofs have typ dpop+jwt, an asymmetric alg, a public jwk and the required claims',
  fix: 'Build DPoP proofs with typ dpop+jwt, an asymmetric alg (ES256), the public jwk in the header (no private members) and jti, htm, htu, iat.',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    for (const ex of proofs) {
      const { header, payload } = ex.dpop
      const problems: string[] = []
      if (header.typ !== 'dpop+jwt') problems.push(`typ ${JSON.stringify(header.typ)}`)
      if (typeof header.alg !== 'string' || !ASYMMETRIC.test(header.alg)) problems.push(`alg ${JSON.stringify(header.alg)}`)
      const jwk = header.jwk as Record<string, unknown> | undefined
      if (!jwk || typeof jwk !== 'object') problems.push('no jwk')
      else if (PRIVATE_MEMBERS.some((m) => m in jwk)) problems.push('jwk contains private key members')
      if (payload.htm !== ex.request.method) problems.push(`htm ${JSON.stringify(payload.htm)} for a ${ex.request.method}`)
      if (typeof payload.htu !== 'string') problems.push('no htu')
      if (typeof payload.iat !== 'number') problems.push('no numeric iat')
      // Presence only: uniqueness is dpop.fresh-jti's. A length rule would make the verdict depend on chance
      // (the official client's jti is Math.random().toString(36), occasionally only a few characters).
      if (typeof payload.jti !== 'string' || payload.jti === '') problems.push(`jti ${JSON.stringify(payload.jti)}`)
      if (problems.length > 0) {
        return fail({
          expected: 'typ "dpop+jwt", an asymmetric alg, a public jwk, htm = request method, htu, numeric iat, a jti (RFC 9449 §4.2)',
          observed: `${problems.join('; ')} in the proof of ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${proofs.length} well-formed proof(s)`)
  },
})
