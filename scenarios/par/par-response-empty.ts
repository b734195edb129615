import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'par-response-empty',
  title: 'Aborts the login when the PAR success body is {}',
  family: 'PAR',
  requirements: [{ id: 'PAR-05', level: 'MUST' }],
  faults: { parResponse: { omit: ['request_uri', 'expires_in'] } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', atMost: { 'POST /oauth/par': 2 } },
  explain: {
    tests: 'The PAR endpoint answers 201 with an empty JSON object. The client must abort the login instead of sending the user to an authorization URL with request_uri=undefined.',
    why: 'Without a request_uri the authorization page cannot find the request; a client that redirects anyway strands the user on an error page with no way back into the app.',
    fix: 'Validate the PAR response: request_uri a string, expires_in a positive integer; otherwise fail the login with a clear error.',
  },
})
