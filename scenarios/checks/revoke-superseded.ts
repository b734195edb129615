import { defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import { followTrails, type Trail } from '../../harness/token-trail.ts'
import { fail, pass, skip } from '../../model/verdict.ts'
import type { Exchange } from '../../model/transcript.ts'

/** The successful code exchange of a login, with the account it signed in. */
function exchangeOf(trail: Trail): { ex: Exchange; sub: string } | undefined {
  const ex = trail.uses.find((e) => e.request.path === '/oauth/token' && param(e, 'grant_type') === 'authorization_code' && e.response.status === 200)
  const sub = ex && responseJson(ex)?.sub
  return ex && typeof sub === 'string' ? { ex, sub } : undefined
}

/**
 * REVOKE-07: when a second login for the same account completes, the revocation the client sends is for the
 * superseded session (its tokens; dpop.same-key holds it to that session's key), not for the new one. Whether a
 * revocation is sent at all is the scenario's expectation (relogin-revokes-old-session).
 */
export const revokeSuperseded = defineCheck({
  id: 'revoke.superseded-session',
  requirement: { id: 'REVOKE-07', level: 'SHOULD' },
  title: 'A re-login revokes the session it replaces',
  fix: 'When a new login replaces a stored session for the same account, revoke the old session\'s tokens at the AS.',
  judge({ transcript }) {
    const logins = followTrails(transcript).flatMap((trail) => {
      const done = exchangeOf(trail)
      return done ? [{ trail, ...done }] : []
    })
    const pairs = logins.flatMap((old, i) => logins.slice(i + 1).filter((n) => n.sub === old.sub).slice(0, 1).map((next) => ({ old, next })))
    if (pairs.length === 0) return skip('no second login for an account that already had a session')
    const revokes = transcript.exchanges({ actor: 'client' }).filter((e) => e.request.path === '/oauth/revoke')
    for (const { old, next } of pairs) {
      const after = revokes.filter((e) => e.seq > next.ex.seq)
      if (after.length === 0) return skip('the client sent no revocation after the second login')
      const ofOld = old.trail.uses.find((e) => e.request.path === '/oauth/revoke' && e.seq > next.ex.seq)
      if (!ofOld) {
        return fail({
          expected: `a revocation of the session that ${describe(next.ex)} replaced (its tokens from ${describe(old.ex)})`,
          observed: `revocation(s) ${after.map((e) => e.ref).join(', ')} for other tokens; the superseded session stays live at the AS`,
          evidence: [old.ex.ref, next.ex.ref, ...after.map((e) => e.ref)],
        })
      }
    }
    return pass(`${pairs.length} superseded session(s) revoked`)
  },
})
