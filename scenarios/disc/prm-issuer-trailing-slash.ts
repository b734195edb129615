import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'prm-issuer-trailing-slash',
  title: 'Refuses an authorization server URL that is not a bare origin (trailing slash)',
  family: 'DISC',
  requirements: [{ id: 'DISC-06', level: 'MUST' }],
  faults: { protectedResource: { authorization_servers: ['$issuer/'] } },
  steps: [{ op: 'authorize' }],
  expect: {
    failsAt: 'authorize',
    forbidden: ['GET /.well-known/oauth-authorization-server', 'GET //.well-known/oauth-authorization-server', 'POST /oauth/par'],
  },
  explain: {
    tests: "The PDS's protected-resource metadata names the AS as its issuer URL with a trailing slash. An issuer is a bare origin: the client must refuse it before sending any request to the AS (no metadata fetch, no PAR).",
    why: 'Issuers are compared as strings (ISS-01, ISS-03); a client that accepts or repairs odd forms (a slash, a path, a query, a default port, credentials) compares one spelling and uses another, which opens mix-ups.',
    fix: 'Parse the URL and require that its origin equals the whole string (https, no path, query, fragment, credentials or default port) before fetching anything.',
  },
})
