import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { headerValue, type Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** The jwk thumbprint-free identity of a DPoP key: its public JWK, from the proof header. */
function proofKey(ex: Exchange): string | undefined {
  const proof = headerValue(ex.request.headers, 'dpop')
  if (!proof) return undefined
  try {
    const header = JSON.parse(Buffer.from(proof.split('.')[0] ?? '', 'base64url').toString('utf8')) as { jwk?: Record<string, unknown> }
    const { x, y, n, e } = header.jwk ?? {}
    return JSON.stringify([x, y, n, e])
  } catch {
    return undefined
  }
}

/**
 * META-11: one session, one client_id, spelled the same (tokens are bound to it). A session is told apart by its
 * DPoP key, which stays the same from PAR to revocation (DPOP-02).
 */
export const metaStableClientId = defineCheck({
  id: 'meta.stable-client-id',
  requirement: { id: 'META-11', level: 'MUST' },
  title: 'A session keeps the exact same client_id at PAR, token, refresh and revocation',
  fix: 'Use the same client_id string, byte for byte, at PAR, token, refresh and revocation for the whole session.',
  judge({ transcript }) {
    const first = new Map<string, Exchange>()
    let compared = 0
    for (const ex of asRequests(transcript)) {
      const key = proofKey(ex)
      const id = param(ex, 'client_id')
      if (!key || id === undefined) continue
      const earlier = first.get(key)
      if (!earlier) {
        first.set(key, ex)
        continue
      }
      compared++
      if (param(earlier, 'client_id') !== id) {
        return fail({
          expected: `client_id ${param(earlier, 'client_id')} for the whole session (as in ${describe(earlier)})`,
          observed: `client_id ${id} in ${describe(ex)}, under the same DPoP key`,
          evidence: [earlier.ref, ex.ref],
        })
      }
    }
    return compared > 0 ? pass(`${first.size} session key(s)`) : skip('no session sent two requests to the AS')
  },
})
