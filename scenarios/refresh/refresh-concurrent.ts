import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-concurrent',
  title: 'Sends one refresh for several parallel requests with an expired token',
  family: 'REFRESH',
  requirements: [{ id: 'REFRESH-03', level: 'MUST' }],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
    { op: 'advanceClock', seconds: 3700 },
    { op: 'call', parallel: 4 },
  ],
  expect: { completes: true, atMost: { 'POST /oauth/token': 2 } },
  exercised: {
    sends: 'POST /oauth/token',
    params: { grant_type: 'refresh_token' },
    otherwise: 'that a client refreshes an access token the PDS no longer accepts is REFRESH-04, judged by token-expired-at-pds',
  },
  explain: {
    tests: 'Four PDS calls run at once after the access token expired at the PDS. Exactly one refresh may reach the AS (the code exchange plus one refresh); the other callers wait for it.',
    why: 'Refresh tokens are single-use: parallel refreshes present the same token several times, and the reference AS revokes the whole session on the replay (FIELD-16, FIELD-17).',
    fix: 'Serialise refreshes per session (a lock or a shared pending promise); callers that find a refresh in flight wait for its result.',
  },
})
