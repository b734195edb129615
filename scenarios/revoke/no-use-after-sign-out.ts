import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'no-use-after-sign-out',
  title: 'Sends no request with the old tokens after sign-out',
  family: 'REVOKE',
  requirements: [{ id: 'REVOKE-04', level: 'MUST' }],
  needs: ['signOut'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'signOut' }, { op: 'call' }],
  expect: { failsAt: 'call', forbidden: ['GET /xrpc/com.atproto.server.getSession', 'POST /oauth/token'] },
  explain: {
    tests: 'After sign-out the app asks for a PDS call. The client must refuse locally (no session) and send nothing with the revoked tokens.',
    why: 'Revoked tokens reaching a server are at best wasted requests and at worst a sign that sign-out left credentials behind.',
    fix: 'Delete the session (tokens and DPoP key) on sign-out, and make session lookups fail afterwards.',
  },
})
