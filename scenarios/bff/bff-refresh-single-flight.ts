import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-refresh-single-flight',
  title: "Concurrent frontend calls during expiry cause one refresh grant",
  family: 'BFF',
  requirements: [{ id: 'BFF-11', level: 'MUST' }],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'advanceClock', seconds: 3700 }, { op: 'api', parallel: 4 }],
  explain: {
    tests: 'After the access token expired at the PDS, the frontend sends four API calls at once. The backend may send one refresh grant; all four calls succeed.',
    why: 'Refresh tokens are single-use: parallel refreshes present the same token twice, and the AS treats the replay as theft and revokes the session, logging the user out.',
    fix: 'Use one OAuth client instance (and one session store and lock) for the whole backend so concurrent requests share the pending refresh; with several processes, a shared lock (`requestLock`).',
  },
})
