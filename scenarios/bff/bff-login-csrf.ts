import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-login-csrf',
  title: 'An authorization response started in another browser is refused',
  family: 'BFF',
  requirements: [{ id: 'BFF-09', level: 'MUST' }],
  steps: [{ op: 'login' }, { op: 'api' }, { op: 'crossCallback' }, { op: 'api' }],
  explain: {
    tests: "Alice is logged in. Bob starts a login in his own browser and consents; his authorization response is then delivered by Alice's browser. The backend must not exchange the code nor give Alice's browser a session; Alice's own session keeps working.",
    why: "Login CSRF: an attacker who gets their authorization response into the victim's browser logs the victim into the attacker's account, so whatever the victim then posts or uploads lands there. The OAuth client's state store is server-wide: it does not know which browser started a login.",
    fix: 'At login start set a short-lived HttpOnly cookie bound to the OAuth state (or store the state in the browser session); at the callback refuse the response unless the cookie matches the state, before calling the OAuth client\'s callback.',
  },
})
