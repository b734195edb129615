import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'login-with-handle',
  title: 'Logs in from a handle and calls the PDS',
  family: 'DISC',
  requirements: [
    { id: 'DISC-01', level: 'MUST' },
    { id: 'DISC-05', level: 'MUST' },
    { id: 'DISC-07', level: 'MUST' },
  ],
  steps: [{ op: 'authorize', input: 'handle' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests:
      'The whole discovery chain from a handle: handle → DID → DID document → PDS → protected-resource metadata → AS metadata → PAR → consent → token → an authenticated getSession at the PDS.',
    why: 'This is the path every user takes. A client that cannot complete it against an entryway (AS and PDS on different origins) cannot log anyone in.',
    fix: 'Read the failing step in the transcript. Resolve the handle, take the PDS from the #atproto_pds service, fetch /.well-known/oauth-protected-resource there, and use exactly the one authorization server it names.',
  },
})
