import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'revoke-failure-still-signs-out',
  title: 'Signs out locally even when the revocation request fails',
  family: 'REVOKE',
  requirements: [{ id: 'REVOKE-03', level: 'MUST' }],
  needs: ['signOut'],
  faults: { failures: { revoke: { status: 503 } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'signOut', mayFail: true }, { op: 'call' }],
  expect: { failsAt: 'call', forbidden: ['GET /xrpc/com.atproto.server.getSession', 'POST /oauth/token'] },
  explain: {
    tests: 'The revocation endpoint answers 503. The user still asked to sign out: afterwards the client must have no session and send nothing with the old tokens.',
    why: 'RFC 7009 §2.2: the client cannot rely on revocation; a sign-out that silently keeps the session when the AS is down leaves the account open on that device.',
    fix: 'Delete the local session in a finally block, whatever the revocation request returned.',
  },
})
