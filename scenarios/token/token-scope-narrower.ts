import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-scope-narrower',
  title: 'Records the granted scope when the AS grants less than requested',
  family: 'TOKEN',
  requirements: [{ id: 'TOKEN-10', level: 'SHOULD' }],
  faults: { tokenResponse: { scope: 'atproto' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true, sessionScope: 'atproto' },
  explain: {
    tests: 'The client asked for "atproto transition:generic"; the token response grants only "atproto". The client must report the granted scope for the session.',
    why: 'Users can grant less than asked; an app that assumes the requested scope attempts writes that will fail with 403.',
    fix: 'Store the scope of the token response (not of the request) and gate features on it.',
  },
})
