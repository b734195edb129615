import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'authorize-url-request-uri-only',
  title: 'Sends only client_id and request_uri on the front channel',
  family: 'PAR',
  requirements: [
    { id: 'PAR-06', level: 'MUST' },
    { id: 'PAR-01', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'The authorization URL the browser opens must carry exactly client_id and the request_uri the PAR endpoint returned (check par.pushed).',
    why: 'Everything else was pushed over the back channel; repeating scope, state or redirect_uri in the URL leaks them and invites the AS to use the wrong copy.',
    fix: 'Build the authorization URL from authorization_endpoint with only client_id and request_uri.',
  },
})
