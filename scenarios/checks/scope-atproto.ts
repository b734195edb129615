import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** SCOPE-01: every authorization request includes the `atproto` scope. */
export const scopeAtproto = defineCheck({
  id: 'scope.atproto',
  requirement: { id: 'SCOPE-01', level: 'MUST' },
  title: 'Every authorization request asks for the atproto scope',
  fix: 'Always include atproto in the scope parameter of every authorization request.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    const bad = pars.find((e) => !(param(e, 'scope') ?? '').split(' ').includes('atproto'))
    if (bad) {
      return fail({
        expected: 'scope containing "atproto"',
        observed: `scope=${JSON.stringify(param(bad, 'scope') ?? null)} in ${describe(bad)}`,
        evidence: [bad.ref],
      })
    }
    return pass(undefined, pars.map((e) => e.ref))
  },
})
