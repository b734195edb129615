import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-refresh-invalid-grant',
  title: 'A refresh answered invalid_grant reaches the frontend as logged out',
  family: 'BFF',
  requirements: [{ id: 'BFF-12', level: 'MUST' }],
  faults: { failures: { refresh: { error: 'invalid_grant' } } },
  steps: [
    { op: 'login' },
    { op: 'api' },
    { op: 'advanceClock', seconds: 3700 },
    { op: 'api', expect: 'refused' },
    { op: 'api', expect: 'refused' },
  ],
  explain: {
    tests: 'The session was revoked at the AS: the refresh the backend sends after expiry is answered 400 invalid_grant. The frontend must get a 4xx (logged out) for that call and the next one, never a 5xx, and the dead refresh token must not be sent again.',
    why: 'A 500 tells the frontend to retry, which keeps a dead session "logged in" and, with a retrying backend, hammers the AS; the user needs to see that they must log in again.',
    fix: 'Catch the OAuth client\'s refresh failure, delete the backend session and answer 401 with a body the frontend maps to "logged out".',
  },
})
