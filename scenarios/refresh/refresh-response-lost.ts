import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-response-lost',
  title: 'Ends cleanly, without a retry storm, after a refresh response was lost',
  family: 'REFRESH',
  requirements: [
    { id: 'REFRESH-06', level: 'SHOULD' },
    { id: 'REFRESH-11', level: 'MUST' },
  ],
  faults: { failures: { refresh: { status: 503, afterCommit: true } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh', mayFail: true }, { op: 'refresh' }],
  expect: { failsAt: 'refresh', atMost: { 'POST /oauth/token': 3 } },
  explain: {
    tests: 'The AS rotates the refresh token but the response is lost (503). The client still holds the old token; its next refresh is a replay, answered invalid_grant "Refresh token replayed", and the reference AS revokes the session. The client must report the lost session after one attempt.',
    why: 'This is the classic failure mode of rotating refresh tokens; a client that keeps retrying hammers the AS and never recovers (FIELD-19).',
    fix: 'Treat the invalid_grant that follows as final: delete the session and ask the user to sign in again; do not retry.',
  },
})
