import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'par-endpoint-missing',
  title: 'Aborts when the AS metadata has no PAR endpoint instead of using the front channel',
  family: 'PAR',
  requirements: [
    { id: 'PAR-01', level: 'MUST' },
    { id: 'DISC-07', level: 'MUST' },
  ],
  faults: { asMetadata: { omit: ['pushed_authorization_request_endpoint'] } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The AS metadata still says require_pushed_authorization_requests: true but lacks pushed_authorization_request_endpoint.',
    why: 'atproto requires PAR; a client that falls back to a full front-channel request exposes its parameters and talks to a misconfigured or malicious AS.',
    fix: 'Treat missing pushed_authorization_request_endpoint as invalid metadata and stop before producing an authorization URL.',
  },
})
