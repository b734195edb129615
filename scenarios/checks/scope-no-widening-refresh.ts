import { asRequests, defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * SCOPE-06 (RFC 6749 §6: a refresh "MUST NOT include any scope not originally granted"): more scope comes from
 * a new authorization, never from a refresh that asks for it.
 */
export const scopeNoWideningRefresh = defineCheck({
  id: 'scope.no-widening-refresh',
  requirement: { id: 'SCOPE-06', level: 'SHOULD' },
  title: 'A refresh never asks for scope beyond the granted one (upgrades go through a new authorization)',
  fix: 'Refresh with the granted scope (or none); ask for more scope through a new authorization request.',
  judge({ transcript }) {
    const tokens = asRequests(transcript, '/oauth/token')
    const refreshes = tokens.filter((e) => param(e, 'grant_type') === 'refresh_token')
    if (refreshes.length === 0) return skip('no refresh happened')
    let granted: string[] | undefined
    for (const ex of tokens) {
      const asked = param(ex, 'scope')
      if (param(ex, 'grant_type') === 'refresh_token' && asked !== undefined && granted) {
        const extra = asked.split(' ').filter((s) => s && !granted!.includes(s))
        if (extra.length > 0) {
          return fail({
            expected: `no scope beyond the granted "${granted.join(' ')}" on refresh; a new authorization for more`,
            observed: `the refresh asks for ${extra.join(' ')} in ${describe(ex)}`,
            evidence: [ex.ref],
          })
        }
      }
      const scope = ex.response.status === 200 ? responseJson(ex)?.scope : undefined
      if (typeof scope === 'string') granted = scope.split(' ')
    }
    return pass(`${refreshes.length} refresh request(s)`)
  },
})
