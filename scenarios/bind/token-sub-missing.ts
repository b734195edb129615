import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-sub-missing',
  title: 'Rejects a token response without sub',
  family: 'BIND',
  requirements: [
    { id: 'BIND-01', level: 'MUST' },
    { id: 'TOKEN-04', level: 'MUST' },
  ],
  faults: { tokenResponse: { sub: null } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The token response carries no sub. Without it the client cannot know whose account the tokens are for.',
    why: 'atproto sessions are bound to the account DID; a token set with no DID cannot be verified against the identity the user chose.',
    fix: 'Require sub in every token response and check that it is a DID before storing the session.',
  },
})
