import { fail, pass } from '../../../model/verdict.ts'
import { accessTokenOf } from '../../check.ts'
import { headerValue } from '../../../model/transcript.ts'
import { mintedTokens, pdsCalls, refusedWithoutUse, stepsWith, type BffCheck } from './shared.ts'

export const sessionRequired: BffCheck = {
  id: 'bff.session-required',
  requirement: { id: 'BFF-03', level: 'MUST' },
  title: "Requests need the frontend's session, and a session acts only for its own user",
  fix: 'Require the frontend session on every backend route and act only for the user that session belongs to.',
  judge(ctx) {
    const none = refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['none']), 'no credential')
    if (none.kind === 'fail') return none
    const minted = mintedTokens(ctx.transcript)
    const crossSteps = stepsWith(ctx.scenario, ['other-session'])
    for (const i of crossSteps) {
      for (const ex of pdsCalls(ctx.transcript, i)) {
        const token = accessTokenOf(ex) ?? headerValue(ex.request.headers, 'authorization')?.replace(/^\S+\s+/, '')
        const owner = token ? minted.get(token)?.sub : undefined
        if (owner && owner !== ctx.dids.other) {
          return fail({
            expected: `a request with the other user's session (${ctx.dids.other}) naming ${ctx.dids.main} acts only as ${ctx.dids.other}`,
            observed: `the backend called the PDS with ${owner}'s access token (${ex.ref})`,
            evidence: [ex.ref],
          })
        }
      }
    }
    if (none.kind === 'skip' && crossSteps.length === 0) return none
    return pass('requests without a session were refused; a session acted only for its own user')
  },
}
