import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-no-expires-in',
  title: 'Copes with a token response without expires_in',
  family: 'TOKEN',
  requirements: [{ id: 'TOKEN-06', level: 'SHOULD' }],
  faults: { tokenResponse: { omit: ['expires_in'] } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'Token responses (code and refresh) carry no expires_in; RFC 6749 makes it RECOMMENDED, not required.',
    why: 'A client that computes an expiry from undefined gets NaN and either crashes or refreshes in a loop.',
    fix: 'Treat a missing expires_in as "unknown": use the token until the PDS answers invalid_token, then refresh.',
  },
})
