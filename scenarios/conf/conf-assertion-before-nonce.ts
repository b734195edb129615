import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'conf-assertion-before-nonce',
  title: 'Signs a fresh client assertion for the nonce retry (AS that authenticates first)',
  family: 'CONF',
  requirements: [
    { id: 'CONF-05', level: 'MUST' },
    { id: 'NONCE-07', level: 'MUST' },
  ],
  client: 'confidential',
  faults: { clientAuthBeforeNonce: true },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'This AS authenticates the client before checking the DPoP nonce, so the assertion of a nonce-challenged request is already spent; resending it on the retry gets 400 invalid_grant "private_key_jwt jti reused". (The reference AS checks the nonce first, which hides this bug.)',
    why: 'RFC 7523 §3 lets an AS reject any reused jti; a client that resends the same body on the nonce retry cannot log in to such servers (BP-61, FIELD-75).',
    fix: 'Rebuild the whole request on the nonce retry: a new DPoP proof and a new client assertion with a new jti.',
  },
})
