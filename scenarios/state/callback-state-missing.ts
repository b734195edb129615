import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-state-missing',
  title: 'Rejects an authorization response without state',
  family: 'STATE',
  requirements: [{ id: 'STATE-02', level: 'MUST' }],
  faults: { authorizeResponse: { state: 'omit' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The redirect carries code and iss but no state.',
    why: 'A callback without state cannot be tied to the login the user started; falling back to "the latest pending login" re-opens login CSRF.',
    fix: 'Treat a missing state as an error; never guess which pending login it belongs to.',
  },
})
