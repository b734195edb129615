import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'sign-out-revokes',
  title: 'Sign-out revokes the session at the AS with a DPoP proof',
  family: 'REVOKE',
  requirements: [
    { id: 'REVOKE-01', level: 'SHOULD' },
    { id: 'REVOKE-02', level: 'MUST' },
  ],
  needs: ['signOut'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'signOut' }],
  expect: { completes: true, sends: ['POST /oauth/revoke'] },
  explain: {
    tests: 'Sign-out must POST the token to the revocation endpoint with client_id and a DPoP proof from the session key (after the nonce retry).',
    why: 'The reference AS answers 200 {} to a revocation without a matching proof but revokes nothing, so a proof-less sign-out leaves live tokens behind (REVOKE-02, FIELD-78).',
    fix: 'Send the revocation through the same DPoP fetch as token requests: proof from the session key, nonce retry on use_dpop_nonce.',
  },
})
