import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-refresh-stays-in-backend',
  title: "The backend's refresh endpoint refreshes for the frontend without handing it the new tokens",
  family: 'BFF',
  requirements: [{ id: 'BFF-01', level: 'MUST' }],
  needs: ['refresh'],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'advanceClock', seconds: 3700 }, { op: 'refresh' }, { op: 'api' }],
  explain: {
    tests: "The access token expires; the frontend asks the backend's refresh endpoint to refresh, then calls the API. The new access and refresh tokens must stay in the backend.",
    why: 'A refresh endpoint that returns `{ accessToken }` to the frontend defeats the backend: the frontend again holds a live PDS token, and the endpoint becomes a token vending machine.',
    fix: 'Refresh inside the backend (the OAuth client does it on demand) and answer the frontend with a status only, such as 204 or `{ ok: true }`.',
  },
})
