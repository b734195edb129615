import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-invalid-grant',
  title: 'Ends the session when a refresh is answered invalid_grant',
  family: 'REFRESH',
  requirements: [
    { id: 'REFRESH-11', level: 'MUST' },
    { id: 'REVOKE-05', level: 'SHOULD' },
  ],
  faults: { failures: { refresh: { error: 'invalid_grant' } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh', mayFail: true }, { op: 'call' }],
  expect: { failsAt: 'call', forbidden: ['GET /xrpc/com.atproto.server.getSession', 'POST /oauth/token'], atMost: { 'POST /oauth/token': 2 } },
  explain: {
    tests: 'The session was revoked elsewhere (the user signed out in the AS): the refresh gets 400 invalid_grant. The client must delete the session, so the next call fails locally without sending the dead tokens, and never retries the refresh token.',
    why: 'invalid_grant is final: retrying loops, and keeping the session shows the user as signed in with tokens that can never work.',
    fix: 'On 400 invalid_grant from a refresh, delete the stored session and signal re-authentication.',
  },
})
