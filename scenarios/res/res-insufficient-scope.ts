import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'res-insufficient-scope',
  title: 'Does not refresh when the PDS answers 403 for a missing scope',
  family: 'RES',
  requirements: [
    { id: 'REFRESH-07', level: 'MUST' },
    { id: 'RES-05', level: 'SHOULD' },
  ],
  faults: { tokenResponse: { scope: 'atproto' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', body: 'post' }],
  expect: { failsAt: 'call', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The session was granted only "atproto"; a createRecord gets 403 ScopeMissingError. The client must report the failure and not refresh (a refresh cannot widen the scope).',
    why: 'Refreshing on 403 burns refresh tokens in a loop and never fixes the problem (FIELD-17, FIELD-50).',
    fix: 'Refresh only on 401 invalid_token; treat 403 as a permission problem and ask the user to re-authorize with a broader scope.',
  },
})
