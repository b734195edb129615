import { refusedWithoutUse, stepsWith, type BffCheck } from './shared.ts'

export const originChecked: BffCheck = {
  id: 'bff.origin-checked',
  requirement: { id: 'BFF-04', level: 'MUST' },
  title: "Requests from another origin are refused even with the session's credential",
  fix: 'Check the Origin (or Sec-Fetch-Site) of state-changing requests and refuse any other than the frontend\'s, session cookie or not.',
  judge: (ctx) => refusedWithoutUse(ctx, stepsWith(ctx.scenario, ['other-origin']), `the session's credential from ${'another origin'}`),
}
