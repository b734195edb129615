import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-opaque-access-token',
  title: 'Works with an opaque (non-JWT) access token',
  family: 'TOKEN',
  requirements: [{ id: 'TOKEN-05', level: 'MUST' }],
  faults: { tokenResponse: { accessToken: 'opaque' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS issues random access tokens that are not JWTs (the PDS accepts them). The client must log in, call the PDS, refresh and call again, taking expiry, sub and scope from the token response only.',
    why: 'The atproto spec says access tokens are opaque to clients; the reference ones happen to be JWTs, and clients that decode them break when a server (or the reference) changes format (FIELD-62).',
    fix: 'Never parse the access token: use expires_in, sub and scope of the token response.',
  },
})
