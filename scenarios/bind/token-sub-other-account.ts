import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-sub-other-account',
  title: 'Rejects tokens for another account than the one the user named',
  family: 'BIND',
  requirements: [{ id: 'BIND-02', level: 'MUST' }],
  faults: { tokenResponse: { sub: '$web' } },
  steps: [{ op: 'authorize', input: 'handle' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The login started from alice.test (resolved to her did:plc), but the token response says sub = bob\'s did:web. Both accounts live on the same PDS and AS, so only a comparison with the DID resolved before PAR catches it.',
    why: 'SPEC "Identity Authentication": it is critical to verify that the returned DID matches the one bound to the session; otherwise the user ends up signed in as someone else (FIELD-68).',
    fix: 'Keep the DID resolved before PAR in the pending-login record and require sub === that DID when the flow started from a handle or DID; name both accounts in the error.',
  },
})
