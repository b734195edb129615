import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-open-redirect',
  title: 'After login the backend redirects only to the registered frontend, whatever target_link_uri says',
  family: 'BFF',
  requirements: [{ id: 'BFF-10', level: 'MUST' }],
  steps: [{ op: 'login', redirectOverride: true }, { op: 'api' }],
  explain: {
    tests: 'The login request carries target_link_uri, redirect_uri, redirect, redirect_to, return_to, returnTo and next, all pointing at https://evil.example. Every redirect the backend sends must go to the AS, to the backend itself, or to the registered frontend redirect URI.',
    why: "An open redirector after login sends the user, and whatever the redirect carries (a session value, a code), to the attacker's site (RFC 9700 §4.11.1).",
    fix: "Redirect to a fixed, configured frontend URI (e.g. `https://<extension-id>.chromiumapp.org/callback`); if a return path is needed, accept only a relative path or an exact match from an allow-list.",
  },
})
