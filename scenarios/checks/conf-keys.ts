import { assertionRequests } from '../../harness/assertions.ts'
import { defineCheck, describe, responseJson } from '../../harness/check.ts'
import { followTrails, proofJkt } from '../../harness/token-trail.ts'
import { jwkThumbprint } from '../../protocol/jwk.ts'
import { tryDecodeJws } from '../../protocol/jws.ts'
import { param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** CONF-09: the DPoP key is never one of the client's published (assertion) keys. */
export const confDpopKeyDistinct = defineCheck({
  id: 'conf.dpop-key-distinct',
  requirement: { id: 'CONF-09', level: 'MUST' },
  title: 'DPoP keys are per-session keys, distinct from the client authentication keys',
  fix: 'Keep DPoP keys separate from the client authentication keys: generate a new DPoP key per session and never publish it.',
  judge({ transcript }) {
    const published = new Set<string>()
    for (const ex of transcript.exchanges({ server: 'client-host' })) {
      const doc = responseJson(ex)
      const keys = (doc?.jwks as { keys?: unknown[] } | undefined)?.keys ?? (doc?.keys as unknown[] | undefined) ?? []
      for (const k of keys) {
        const t = jwkThumbprint(k)
        if (t) published.add(t)
      }
    }
    if (published.size === 0) return skip('the client published no keys (public client)')
    const reused = transcript.withDpopProof().find((e) => published.has(proofJkt(e) ?? ''))
    if (reused) {
      return fail({
        expected: 'a DPoP key generated for the session, not a client authentication key (SPEC "Types of Clients")',
        observed: `the proof of ${describe(reused)} is signed by a key of the client's JWKS`,
        evidence: [reused.ref],
      })
    }
    return pass()
  },
})

/** CONF-03: one client key (kid) for every assertion of a session. */
export const confSameKey = defineCheck({
  id: 'conf.same-key',
  requirement: { id: 'CONF-03', level: 'MUST' },
  title: 'A session authenticates with the same client key throughout',
  fix: 'Store the kid used at login with the session and sign every client assertion of that session with that key.',
  judge({ transcript }) {
    if (assertionRequests(transcript).length === 0) return skip('the client sent no client assertion (public client)')
    for (const trail of followTrails(transcript)) {
      const requests = [trail.par, ...trail.uses].filter((e) => e && param(e, 'client_assertion'))
      const kids = requests.map((e) => ({ e: e!, kid: tryDecodeJws(param(e!, 'client_assertion')!)?.header.kid }))
      const first = kids[0]
      const other = kids.find((k) => k.kid !== first?.kid)
      if (first && other) {
        return fail({
          expected: `kid ${JSON.stringify(first.kid)} (used at ${first.e.ref}) for every request of the session`,
          observed: `kid ${JSON.stringify(other.kid)} in ${describe(other.e)}`,
          evidence: [first.e.ref, other.e.ref],
        })
      }
    }
    return pass()
  },
})
