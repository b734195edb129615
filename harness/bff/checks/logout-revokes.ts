import type { NoteEvent } from '../../../model/transcript.ts'
import { fail, pass, skip } from '../../../model/verdict.ts'
import { AS_STATE_NOTE, stepsAfterLogout, type BffCheck } from './shared.ts'

export const logoutRevokes: BffCheck = {
  id: 'bff.logout-revokes',
  requirement: { id: 'BFF-14', level: 'SHOULD' },
  title: 'Logout revokes the grant at the AS',
  fix: 'On logout revoke the refresh token (or the access token) at the AS revocation endpoint before deleting the session.',
  judge({ transcript, scenario }) {
    const l = stepsAfterLogout(scenario)
    if (!l) return skip('the scenario does not log out')
    const revokes = transcript.exchanges({ server: 'as', actor: 'client', path: '/oauth/revoke' }).filter((e) => e.step === l.logout)
    const state = transcript.entries.find((e): e is NoteEvent => e.kind === 'note' && e.step === l.logout && e.text === AS_STATE_NOTE)
    const sessions = (state?.data as { sessions?: { sub: string; revoked: boolean }[] } | undefined)?.sessions ?? []
    const live = sessions.filter((s) => !s.revoked)
    if (live.length > 0 || sessions.length === 0) {
      return fail({
        expected: 'logout revokes the refresh token at the AS (POST /oauth/revoke with the session DPoP key)',
        observed: `${revokes.length ? `the backend sent ${revokes.map((e) => `${e.request.path} → ${e.response.status} (${e.ref})`).join(', ')}, but` : 'the backend sent no revocation;'} the AS still holds ${live.length} live session(s) for ${[...new Set(live.map((s) => s.sub))].join(', ') || 'the user'}`,
        evidence: [...revokes.map((e) => e.ref), ...(state ? [state.ref] : [])],
      })
    }
    return pass(`the AS shows ${sessions.length} session(s) revoked`, [...revokes.map((e) => e.ref), ...(state ? [state.ref] : [])])
  },
}
