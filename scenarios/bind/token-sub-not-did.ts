import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-sub-not-did',
  title: 'Rejects a token response whose sub is not a DID',
  family: 'BIND',
  requirements: [{ id: 'BIND-01', level: 'MUST' }],
  faults: { tokenResponse: { sub: 'alice.test' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The token response says sub "alice.test" (a handle) instead of the account DID.',
    why: 'Handles change hands; only the DID identifies the account. Keying a session by a handle mixes accounts up.',
    fix: 'Validate that sub starts with "did:" and is a well-formed DID; refuse the session otherwise.',
  },
})
