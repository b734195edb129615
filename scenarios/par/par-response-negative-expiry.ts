import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'par-response-negative-expiry',
  title: 'Aborts the login when PAR answers expires_in -1',
  family: 'PAR',
  requirements: [{ id: 'PAR-05', level: 'MUST' }],
  faults: { parResponse: { set: { expires_in: -1 } } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', atMost: { 'POST /oauth/par': 2 } },
  explain: {
    tests: 'The PAR response has a request_uri but expires_in -1. A request that expired before it was issued is malformed: the client must abort.',
    why: 'RFC 9126 §2.2 makes expires_in a positive lifetime; accepting nonsense here means the client does not check the response it bases the redirect on.',
    fix: 'Require expires_in to be a positive integer (and request_uri a string) before building the authorization URL.',
  },
})
