import { asRequests, defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import type { Exchange } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** REFRESH-02: refresh tokens are single-use: a rotated-out token is never presented again. */
export const refreshRotation = defineCheck({
  id: 'refresh.rotation',
  requirement: { id: 'REFRESH-02', level: 'MUST' },
  title: 'A refresh token replaced by rotation is never used again',
  fix: 'Replace the stored refresh token with the new one after every refresh, atomically, and never send a replaced token again.',
  judge({ transcript }) {
    const refreshes = asRequests(transcript, '/oauth/token').filter((e) => param(e, 'grant_type') === 'refresh_token')
    if (refreshes.length === 0) return skip('no refresh happened')
    const rotated = new Map<string, Exchange>()
    for (const ex of refreshes) {
      const token = param(ex, 'refresh_token') ?? ''
      const replacedIn = rotated.get(token)
      if (replacedIn) {
        return fail({
          expected: `the refresh token issued in ${replacedIn.ref} (rotation: the old one is dead)`,
          observed: `the rotated-out refresh token sent again in ${describe(ex)}`,
          evidence: [replacedIn.ref, ex.ref],
        })
      }
      const next = responseJson(ex)?.refresh_token
      if (ex.response.status === 200 && typeof next === 'string' && next !== token) rotated.set(token, ex)
    }
    return pass(`${refreshes.length} refresh request(s)`)
  },
})
