import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-lost-response',
  title: 'Never redeems a code twice, even when the token response was lost',
  family: 'TOKEN',
  requirements: [
    { id: 'TOKEN-07', level: 'MUST' },
    { id: 'TOKEN-08', level: 'MUST' },
  ],
  faults: { failures: { code: { status: 500, afterCommit: true } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', atMost: { 'POST /oauth/token': 1 } },
  explain: {
    tests: 'The AS spends the code and creates the session, then answers 500. The client must report the failure and not send the same code again (a replay would make the AS revoke the session it just created).',
    why: 'Codes are single-use; retrying a token request after anything but a nonce challenge is a replay.',
    fix: 'Retry a token request only after use_dpop_nonce; on any other failure restart the login with fresh state and PKCE.',
  },
})
