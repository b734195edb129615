import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'scope-unparsable-refused',
  title: 'Surfaces a PAR refused by a strict AS for a permission that does not parse',
  family: 'SCOPE',
  requirements: [
    { id: 'SCOPE-09', level: 'SHOULD' },
    { id: 'PAR-05', level: 'MUST' },
  ],
  // Stricter servers (Cirrus, FIELD-54) refuse what the reference drops silently.
  profile: 'strict',
  clientScope: 'atproto repo:test.conformance.post?action=create rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test',
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', forbidden: ['GET /oauth/authorize'], atMost: { 'POST /oauth/par': 1 }, message: 'invalid_scope' },
  explain: {
    tests: 'The client requests an rpc: permission whose aud is a bare DID. A strict AS refuses the whole PAR with 400 invalid_scope. The client must report the error, not open the authorization page and not retry the same request.',
    why: 'The same scope that the reference silently narrows breaks every login on a stricter server; a client that retries at once or redirects anyway hides the cause.',
    fix: 'Request only permissions that parse (rpc audiences as did…#service, SCOPE-05), and surface PAR errors with the AS\'s error_description.',
  },
  tags: ['permissions'],
})
