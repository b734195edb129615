import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-state-tampered',
  title: 'Rejects an authorization response whose state matches no pending login',
  family: 'STATE',
  requirements: [{ id: 'STATE-02', level: 'MUST' }],
  faults: { authorizeResponse: { state: 'tamper' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The redirect carries a state value the client never issued (the real one with a suffix).',
    why: 'state is the CSRF defence of the callback: an unknown state may be an attacker injecting their own authorization code into the victim\'s client.',
    fix: 'Look the state up in your pending-login store; an unknown value ends the callback with an error and no token request.',
  },
})
