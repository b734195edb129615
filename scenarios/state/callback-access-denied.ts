import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-access-denied',
  title: 'Reports a denied authorization (error=access_denied) without a token request',
  family: 'STATE',
  requirements: [{ id: 'STATE-05', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback', decision: 'deny' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'], message: 'access_denied' },
  explain: {
    tests: 'The user presses Deny; the AS redirects with error=access_denied, error_description, state and iss. The client must refuse, say that access was denied, and consume the state.',
    why: 'Users cancel logins all the time; a client that crashes, loops or reports a cryptic "missing code" leaves them stuck.',
    fix: 'Check for the error parameter first (after validating state): surface the OAuth error code (access_denied) to the app and delete the pending login.',
  },
})
