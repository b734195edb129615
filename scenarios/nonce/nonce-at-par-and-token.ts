import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-at-par-and-token',
  title: 'Answers the AS nonce challenge at PAR and reuses the nonce at the token endpoint',
  family: 'NONCE',
  requirements: [
    { id: 'NONCE-01', level: 'MUST' },
    { id: 'NONCE-05', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true, atMost: { 'POST /oauth/token': 1 } },
  explain: {
    tests: 'The first PAR (no nonce) gets 400 use_dpop_nonce with a DPoP-Nonce header; the client must retry once with that nonce, and its token request must already carry it (no second challenge).',
    why: 'Every atproto AS requires nonces; a client that does not retry cannot log in, one that forgets the nonce doubles every request (FIELD-6).',
    fix: 'On 400 {"error":"use_dpop_nonce"} store DPoP-Nonce for that origin and retry once with a new proof; send the stored nonce proactively afterwards.',
  },
})
