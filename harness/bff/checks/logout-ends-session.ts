import { skip } from '../../../model/verdict.ts'
import { refusedWithoutUse, stepsAfterLogout, type BffCheck } from './shared.ts'

export const logoutEndsSession: BffCheck = {
  id: 'bff.logout-ends-session',
  requirement: { id: 'BFF-13', level: 'MUST' },
  title: 'After logout the frontend credential no longer works',
  fix: 'On logout delete the server-side session and clear the cookie, so the old credential is refused afterwards.',
  judge(ctx) {
    const l = stepsAfterLogout(ctx.scenario)
    if (!l || l.after.length === 0) return skip('no API call follows a logout')
    return refusedWithoutUse(ctx, l.after, 'the credential of a logged-out session')
  },
}
