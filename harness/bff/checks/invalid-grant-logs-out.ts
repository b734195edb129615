import { fail, pass, skip } from '../../../model/verdict.ts'
import { param, responseJson } from '../../check.ts'
import { backendExchanges, grants, type BffCheck } from './shared.ts'

export const invalidGrantLogsOut: BffCheck = {
  id: 'bff.invalid-grant-logs-out',
  requirement: { id: 'BFF-12', level: 'MUST' },
  title: 'A refresh answered invalid_grant reaches the frontend as logged out, without retries',
  fix: 'When a refresh gets invalid_grant, delete the session and answer the frontend as logged out; do not retry the grant.',
  judge({ transcript }) {
    const refused = grants(transcript, 'refresh_token').find((e) => responseJson(e)?.error === 'invalid_grant')
    if (!refused) return skip('no refresh was answered invalid_grant')
    const answers = backendExchanges(transcript, refused.step).filter((e) => e.startTick < refused.startTick && e.endTick > refused.endTick)
    const bad = answers.find((e) => e.response.status < 400 || e.response.status >= 500)
    if (bad) {
      return fail({
        expected: 'the frontend sees a 4xx (logged out, e.g. 401) for the request whose refresh was refused',
        observed: `the backend answered ${bad.response.status} (${bad.ref}) after the AS refused the refresh at ${refused.ref}`,
        evidence: [refused.ref, bad.ref],
      })
    }
    const dead = param(refused, 'refresh_token')
    const retries = grants(transcript, 'refresh_token').filter((e) => e.seq > refused.seq && param(e, 'refresh_token') === dead)
    if (retries.length > 0) {
      return fail({
        expected: 'the refused refresh token is dropped, never sent again',
        observed: `the backend sent it again: ${retries.map((e) => e.ref).join(', ')}`,
        evidence: [refused.ref, ...retries.map((e) => e.ref)],
      })
    }
    return pass(`the frontend got ${answers.map((e) => e.response.status).join(', ')}; the refresh token was not retried`, [refused.ref])
  },
}
