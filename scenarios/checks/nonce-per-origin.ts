import { defineCheck, describe } from '../../harness/check.ts'
import { headerValue, type Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** NONCE-09: nonces are kept per server; one server's nonce is never sent to another. */
export const noncePerOrigin = defineCheck({
  id: 'nonce.per-origin',
  requirement: { id: 'NONCE-09', level: 'SHOULD' },
  title: 'A nonce is only sent to the server that issued it',
  fix: 'Store DPoP nonces per server origin: send the AS\'s nonce only to the AS and the PDS\'s only to the PDS.',
  judge({ transcript }) {
    const issuedBy = new Map<string, { origin: string; ex: Exchange }>()
    const origins = new Set<string>()
    for (const ex of transcript.exchanges({ actor: 'client' })) {
      const origin = new URL(ex.request.url).origin
      const sent = ex.dpop?.payload.nonce
      if (typeof sent === 'string') {
        origins.add(origin)
        const from = issuedBy.get(sent)
        if (from && from.origin !== origin && !transcript.exchanges().some((e) => e.seq < ex.seq && new URL(e.request.url).origin === origin && headerValue(e.response.headers, 'dpop-nonce') === sent)) {
          return fail({
            expected: `a nonce issued by ${origin} (SPEC "DPoP": track the nonce per server)`,
            observed: `the nonce of ${from.origin} (from ${from.ex.ref}) sent to ${describe(ex)}`,
            evidence: [from.ex.ref, ex.ref],
          })
        }
      }
      const nonce = headerValue(ex.response.headers, 'dpop-nonce')
      if (nonce && !issuedBy.has(nonce)) issuedBy.set(nonce, { origin, ex })
    }
    return origins.size > 1 ? pass(`nonces kept apart for ${origins.size} servers`) : skip('nonces were sent to one server only')
  },
})
