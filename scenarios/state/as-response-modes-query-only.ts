import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-response-modes-query-only',
  title: 'Asks only for a response mode the AS lists (query only here)',
  family: 'STATE',
  requirements: [{ id: 'STATE-11', level: 'SHOULD' }],
  faults: { asMetadata: { set: { response_modes_supported: ['query'] } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS metadata lists response_modes_supported ["query"] (as the perlsky PDS does) and refuses other modes at PAR. The client must ask for query (or none, which means query).',
    why: 'A client that always asks for fragment, as the official browser client does by default, cannot log in at such a server at all.',
    fix: 'Pick response_mode from response_modes_supported (RFC 8414 §2: omitted means query and fragment); fall back to query, or fail clearly before PAR.',
  },
})
