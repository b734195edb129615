import { defineCheck, describe } from '../../harness/check.ts'
import { decodeJws, importPublicJwk, verifyJwsSignature } from '../../protocol/jws.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DPOP-07: a valid compact JWS whose signature verifies with the embedded key (raw R‖S for ECDSA). */
export const dpopSignature = defineCheck({
  id: 'dpop.signature',
  requirement: { id: 'DPOP-07', level: 'MUST' },
  title: 'DPoP proofs are compact JWS whose signature verifies with the embedded jwk',
  fix: 'Sign each DPoP proof as a compact JWS with the private key whose public half is in its jwk header, over the exact bytes sent.',
  judge({ transcript }) {
    const proofs = transcript.withDpopProof()
    if (proofs.length === 0) return skip('the client sent no DPoP proof')
    for (const ex of proofs) {
      let ok = false
      try {
        const jws = decodeJws(ex.dpop.raw)
        const alg = String(jws.header.alg)
        ok = /^[A-Za-z0-9_-]+$/.test(ex.dpop.raw.split('.')[2]!) && verifyJwsSignature(jws, importPublicJwk(jws.header.jwk, alg), alg)
      } catch {
        ok = false
      }
      if (!ok) {
        return fail({
          expected: 'a base64url compact JWS signed by the key in its jwk header (ECDSA as raw R‖S, RFC 7518 §3.4)',
          observed: `the proof of ${describe(ex)} does not verify`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${proofs.length} proof(s) verified`)
  },
})
