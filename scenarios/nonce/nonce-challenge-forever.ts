import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-challenge-forever',
  title: 'Gives up after one retry when the PDS challenges for a nonce forever',
  family: 'NONCE',
  requirements: [
    { id: 'NONCE-04', level: 'MUST' },
    { id: 'RES-03', level: 'MUST' },
  ],
  faults: { dpopNonce: { alwaysChallenge: 'pds' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'call', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'Every PDS request is answered 401 use_dpop_nonce with a brand-new nonce. The client must retry once, then report the failure — no loop (check nonce.bounded) and no refresh (a nonce challenge is not an expired token).',
    why: 'Unbounded retries turn a misbehaving server into a request storm; refreshing on a nonce challenge burns refresh tokens (FIELD-2, FIELD-12).',
    fix: 'Allow one nonce retry per request; on a second challenge return the error. Only invalid_token triggers a refresh.',
  },
})
