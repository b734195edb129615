import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-metadata-redirect',
  title: 'Refuses AS metadata answered with a redirect, even to a valid document',
  family: 'DISC',
  requirements: [{ id: 'DISC-08', level: 'MUST' }],
  faults: { asMetadata: { response: { status: 302 } } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'GET /.well-known/oauth-authorization-server answers 302 Found to the same path with a query, where the real document is served. The client must not follow metadata redirects: the login fails before PAR.',
    why: 'The metadata names the endpoints that get the user\'s codes and tokens; a redirect lets whoever controls the redirect (an open redirect, a compromised proxy) pick them. The reference client fetches with redirect: "manual" and takes only a 200.',
    fix: 'Fetch metadata with redirects disabled (fetch redirect: "manual") and accept only HTTP 200.',
  },
})
