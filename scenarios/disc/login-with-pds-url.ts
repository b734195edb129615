import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'login-with-pds-url',
  title: 'Logs in from a PDS URL (server-initiated flow)',
  family: 'DISC',
  requirements: [
    { id: 'DISC-11', level: 'SHOULD' },
    { id: 'BIND-03', level: 'MUST' },
  ],
  steps: [{ op: 'authorize', input: 'pds-url' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests:
      'Login starting from the PDS URL: protected-resource metadata, then the AS, no login_hint; after the token response the client must resolve the returned sub to its PDS and AS and find the same issuer.',
    why: 'Users of self-hosted PDSs type their server, not a handle. Without the sub → PDS → AS check a malicious AS could log the user in as someone else.',
    fix: 'When the input is a URL, fetch its /.well-known/oauth-protected-resource; after the token exchange resolve sub → DID document → PDS → AS and require it to equal the issuer of the flow.',
  },
})
