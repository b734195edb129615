import { refusedWithoutUse, stepsWith, type BffCheck } from './shared.ts'

export const didNotCredential: BffCheck = {
  id: 'bff.did-not-credential',
  requirement: { id: 'BFF-02', level: 'MUST' },
  title: 'A DID without a session gets nothing',
  fix: 'Authenticate frontend requests by the session credential alone; never act for a user because a request names their DID.',
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['did', 'other-did']), 'only a DID and no session'),
}
