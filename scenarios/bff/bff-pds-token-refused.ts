import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-pds-token-refused',
  title: 'A PDS access token presented to the backend is not accepted as its credential',
  family: 'BFF',
  requirements: [{ id: 'BFF-08', level: 'MUST' }],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'api', credential: 'pds-token' }],
  explain: {
    tests: "The user's own PDS access token (the one the AS issued to the backend) is sent as `Authorization: Bearer <token>` without a session: the backend must refuse it with a 4xx and make no PDS call.",
    why: "Access tokens are for the PDS, opaque to clients. A backend that decodes a bearer token's `sub` and then acts for that DID accepts any token that names the user, from any client, and turns the token into a login.",
    fix: 'Authenticate frontend requests with the backend\'s own session; never decode, trust or accept atproto access tokens from the frontend.',
  },
})
