import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-session-required',
  title: "API calls need the frontend's session, and one user's session never acts for another",
  family: 'BFF',
  requirements: [{ id: 'BFF-03', level: 'MUST' }],
  steps: [
    { op: 'login' },
    { op: 'login', frontend: 'other' },
    { op: 'api' },
    { op: 'api', credential: 'none' },
    { op: 'api', credential: 'other-session' },
  ],
  explain: {
    tests: "A call with no credential is refused with a 4xx and reaches no PDS. A call with Bob's valid session that names Alice's DID may succeed, but only as Bob: the backend must not call the PDS with Alice's tokens.",
    why: 'The frontend session is the only credential the backend may trust; a DID parameter that selects the account turns every session into a key to every account.',
    fix: 'Resolve the user from the session alone; treat any DID in the request as data, not as the account to act for.',
  },
})
