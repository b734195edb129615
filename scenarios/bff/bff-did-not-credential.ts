import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-did-not-credential',
  title: "A request naming a user's DID without that user's session gets nothing",
  family: 'BFF',
  requirements: [{ id: 'BFF-02', level: 'MUST' }],
  steps: [
    { op: 'login' },
    { op: 'login', frontend: 'other' },
    { op: 'api' },
    { op: 'api', credential: 'did' },
    { op: 'api', credential: 'other-did' },
  ],
  explain: {
    tests: "Alice and Bob are logged in through two frontends. A request with no session but Alice's DID (in the query, and in the session cookie or header's place), and then Bob's, must be refused with a 4xx, with no PDS call and no refresh.",
    why: 'DIDs are public. A backend that looks the atproto session up by the DID the request names lets anyone who knows a DID act as that user.',
    fix: 'Identify the user from the frontend session only (an opaque random id the backend issued at the callback) and ignore any DID in the request for authorisation.',
  },
})
