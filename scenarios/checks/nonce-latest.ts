import { defineCheck, describe } from '../../harness/check.ts'
import { dpopRequestsByOrigin } from '../../harness/nonce-trail.ts'
import { headerValue } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * NONCE-03: the client uses the latest nonce each server supplied, learned from every response (success
 * included), not only from challenges. A request carrying an older nonce than the newest one that server
 * already sent is a violation. (The previous nonce is tolerated too, for requests that were in flight.)
 */
export const nonceLatest = defineCheck({
  id: 'nonce.latest',
  requirement: { id: 'NONCE-03', level: 'MUST' },
  title: 'Each request carries the newest nonce its server supplied',
  fix: 'Keep the most recent DPoP-Nonce each server sent (from every response, errors included) and put it in the next proof.',
  judge({ transcript }) {
    let judged = 0
    for (const requests of dpopRequestsByOrigin(transcript).values()) {
      for (const ex of requests) {
        const sent = ex.dpop.payload.nonce
        // Nonces this server had handed out before the request started, in the order they were answered.
        const received: { nonce: string; ref: string }[] = []
        for (const r of requests.filter((e) => e.endTick < ex.startTick).sort((a, b) => a.endTick - b.endTick)) {
          const n = headerValue(r.response.headers, 'dpop-nonce')
          if (n && received[received.length - 1]?.nonce !== n) received.push({ nonce: n, ref: r.ref })
        }
        const recent = received.slice(-2).map((r) => r.nonce)
        if (typeof sent === 'string' && received.length > 0 && !recent.includes(sent)) {
          const latest = received[received.length - 1]!
          return fail({
            expected: `the nonce ${latest.nonce} this server sent in ${latest.ref} (RFC 9449 §8.2: use the new nonce)`,
            observed: `an older nonce ${sent} in ${describe(ex)}`,
            evidence: [latest.ref, ex.ref],
          })
        }
        if (typeof sent === 'string') judged++
      }
    }
    return judged > 0 ? pass(`${judged} request(s) with a current nonce`) : skip('no request carried a nonce')
  },
})
