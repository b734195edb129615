import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'pkce-verifier',
  title: 'Sends the code_verifier of the challenge it pushed',
  family: 'PKCE',
  requirements: [
    { id: 'PKCE-03', level: 'MUST' },
    { id: 'PKCE-01', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The token request must carry the verifier whose S256 hash is the code_challenge of the PAR (check pkce.verifier); the AS answers a wrong one with invalid_grant "Invalid code_verifier" and burns the code.',
    why: 'PKCE is what makes an intercepted code useless; a client that loses its verifier (e.g. stores it in the wrong session) cannot log in.',
    fix: 'Keep the verifier in the pending-login record keyed by state and send it with that login\'s code.',
  },
})
