import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-refresh-by-did-refused',
  title: 'The refresh endpoint refuses a request that names only a DID',
  family: 'BFF',
  requirements: [
    { id: 'BFF-02', level: 'MUST' },
    { id: 'BFF-01', level: 'MUST' },
  ],
  needs: ['refresh'],
  steps: [
    { op: 'login' },
    { op: 'login', frontend: 'other' },
    { op: 'api' },
    { op: 'refresh', credential: 'did' },
    { op: 'refresh', credential: 'other-did' },
    { op: 'refresh' },
  ],
  explain: {
    tests: "POST to the refresh endpoint with `{ did }` (Alice's, then Bob's) and no session must be refused with a 4xx and cause no refresh grant; the same endpoint with Alice's session still works.",
    why: 'A refresh endpoint keyed by DID is the pattern of a widely copied extension guide: anyone who knows a DID gets a fresh access token for that account.',
    fix: "Authorise the refresh endpoint with the frontend session, never with a DID or a token from the request body; and never return the new tokens.",
  },
})
