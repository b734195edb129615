import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-expired-at-pds',
  title: 'Refreshes once and retries when the PDS says the access token expired',
  family: 'TOKEN',
  requirements: [{ id: 'REFRESH-04', level: 'SHOULD' }],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
    { op: 'advanceClock', seconds: 3700 },
    { op: 'call' },
  ],
  expect: { completes: true, atMost: { 'POST /oauth/token': 2 } },
  explain: {
    tests: 'The World clock jumps past the access token lifetime while the client\'s own clock does not; the PDS answers 401 invalid_token. The client should refresh once and retry the call once.',
    why: 'Client and server clocks disagree in the field; a client that trusts only its own expiry shows the user an error instead of recovering.',
    fix: 'On a 401 whose WWW-Authenticate error is invalid_token, refresh (single-flight) and retry the request once.',
  },
})
