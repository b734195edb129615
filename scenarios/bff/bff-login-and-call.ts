import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-login-and-call',
  title: 'The frontend logs in through the backend, calls the PDS through it and logs out, holding no atproto token',
  family: 'BFF',
  requirements: [{ id: 'BFF-01', level: 'MUST' }],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'api' }, { op: 'logout' }],
  explain: {
    tests: 'The good path: login (backend redirect to the AS, consent, callback, redirect to the frontend), two API calls that reach the PDS, logout. No value the AS issued (access or refresh token) may appear in anything the backend sends the frontend.',
    why: 'A backend-for-frontend exists so that tokens stay on the server: a token in the redirect fragment or a JSON body lives in extension storage, history and logs, where any script or extension with access can use it against the PDS.',
    fix: 'Keep the atproto session in the backend (the OAuth client\'s session store) and give the frontend only an opaque session id: an HttpOnly cookie, or a random value in the redirect that maps to the DID server-side.',
  },
})
