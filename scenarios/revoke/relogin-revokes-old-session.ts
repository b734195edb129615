import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'relogin-revokes-old-session',
  title: 'Revokes the superseded session when the same account logs in again',
  family: 'REVOKE',
  requirements: [
    { id: 'REVOKE-07', level: 'SHOULD' },
    { id: 'SCOPE-06', level: 'SHOULD' },
  ],
  needs: ['signOut'],
  // The closing sign-out revokes the new session, so revoke.superseded-session can tell the two revocations apart.
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'signOut' }],
  expect: { completes: true, sends: ['POST /oauth/revoke'] },
  explain: {
    tests: 'The user logs in twice with the same account (as when re-authorizing for more scope). The client must revoke the first session at the AS, with that session\'s DPoP key, before storing the second (revoke.superseded-session); the closing sign-out revokes the second.',
    why: 'Overwriting the stored session leaves a live grant at the AS that nobody will ever revoke (FIELD-87).',
    fix: 'On callback, when a session for the DID is already stored, revoke it (its own key and client authentication) and delete it before saving the new one.',
  },
  tags: ['permissions'],
})
