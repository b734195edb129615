import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'two-logins-fresh-secrets',
  title: 'Two logins in a row use a new DPoP key, state and PKCE pair each',
  family: 'STATE',
  requirements: [
    { id: 'DPOP-01', level: 'MUST' },
    { id: 'PKCE-04', level: 'MUST' },
    { id: 'STATE-01', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'authorize', input: 'did', account: 'web' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The same client logs in twice (alice, then bob). Each login must have its own DPoP key (dpop.key-per-login), code_challenge (pkce.fresh-challenge) and state (state.present).',
    why: 'Reusing a DPoP key links sessions and accounts; a reused code_challenge is refused by the reference AS ("Code challenge already used"); a reused state breaks CSRF protection.',
    fix: 'Generate key, verifier and state inside the login-start function, never at client construction.',
  },
})
