import { refusedWithoutUse, stepsWith, type BffCheck } from './shared.ts'

export const noTokenConfusion: BffCheck = {
  id: 'bff.no-token-confusion',
  requirement: { id: 'BFF-08', level: 'MUST' },
  title: 'A PDS access token is not accepted as a credential of the backend',
  fix: 'Accept only your own session credential from the frontend; never treat an atproto access token as one.',
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['pds-token']), "the user's PDS access token in place of a session"),
}
