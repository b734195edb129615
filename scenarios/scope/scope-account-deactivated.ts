import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'scope-account-deactivated',
  title: 'Ends its session cleanly after deactivating the account through OAuth',
  family: 'SCOPE',
  requirements: [
    { id: 'REFRESH-11', level: 'MUST' },
    { id: 'SCOPE-11', level: 'MAY' },
  ],
  needs: ['refresh'],
  clientScope: 'atproto account:status?action=manage',
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call', method: 'POST', nsid: 'com.atproto.server.deactivateAccount' },
    { op: 'refresh' },
  ],
  expect: { failsAt: 'refresh', atMost: { 'POST /oauth/token': 2 } },
  explain: {
    tests: 'The client holds account:status?action=manage and deactivates the account. Since @atproto/pds 0.5.35 that revokes every OAuth session of the account, the caller\'s own included: the next refresh gets invalid_grant. The client must end the session and not try the dead refresh token again.',
    why: 'A client that keeps refreshing a revoked session loops and never tells the user to sign in again (REFRESH-11, BP-119).',
    fix: 'On invalid_grant delete the session and signal that re-authentication is needed; expect deactivation to end the session.',
  },
  tags: ['permissions'],
})
