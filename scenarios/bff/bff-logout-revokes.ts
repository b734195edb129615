import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-logout-revokes',
  title: 'Logout revokes at the AS and ends the backend session',
  family: 'BFF',
  requirements: [
    { id: 'BFF-13', level: 'MUST' },
    { id: 'BFF-14', level: 'SHOULD' },
  ],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'logout' }, { op: 'api', credential: 'stale-session' }],
  explain: {
    tests: "Logout through the backend; the mock AS must then show the session's refresh token revoked, and an API call with the credential the frontend held before logout (a copied cookie) must be refused with a 4xx, reaching no PDS.",
    why: 'A logout that only clears the frontend\'s storage leaves the grant alive at the AS and the session alive in the backend: anyone holding the old credential, or the backend\'s store, can keep acting as the user.',
    fix: "On logout call the OAuth session's signOut() (it revokes at the AS with the session's DPoP key), delete the backend session, and clear the cookie.",
  },
})
