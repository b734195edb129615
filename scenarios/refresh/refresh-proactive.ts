import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-proactive',
  title: 'Refreshes before sending an access token its own clock says has expired',
  family: 'REFRESH',
  requirements: [{ id: 'REFRESH-09', level: 'SHOULD' }],
  needs: ['clientClock'],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
    { op: 'advanceClock', seconds: 3600, client: 'with' },
    { op: 'call' },
  ],
  expect: { completes: true, atMost: { 'GET /xrpc/com.atproto.server.getSession': 2 } },
  explain: {
    tests: 'An hour passes for the World and the client alike: the access token (expires_in 3600) is due. The client must refresh before its next call (the reference client refreshes 10 to 40 s before expires_at) rather than send the dead token and collect a 401.',
    why: 'Sending tokens known to be dead doubles the requests, and a write that fails with 401 halfway is harder to retry than one that never went out.',
    fix: 'Keep expires_at = now + expires_in and refresh when it is near, by the client\'s own clock.',
  },
})
