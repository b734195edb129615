import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'meta-document',
  title: 'Publishes a valid client metadata document',
  family: 'META',
  requirements: [
    { id: 'META-03', level: 'MUST' },
    { id: 'META-04', level: 'MUST' },
    { id: 'META-01', level: 'MUST' },
  ],
  client: 'confidential',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS fetches the client metadata from the client_id URL and validates it (check meta.document): client_id equal to the URL, dpop_bound_access_tokens true, a scope with atproto, exactly one of jwks/jwks_uri.',
    why: 'The AS refuses the whole login with invalid_client_metadata when the document is wrong, and the error reaches the user as "something went wrong".',
    fix: 'Serve the document at exactly the client_id URL with application/json, and keep it in sync with what the client requests.',
  },
})
