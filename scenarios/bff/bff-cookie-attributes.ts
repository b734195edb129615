import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-cookie-attributes',
  title: 'Session cookies are HttpOnly, Secure, SameSite and __Host- prefixed',
  family: 'BFF',
  requirements: [
    { id: 'BFF-06', level: 'MUST' },
    { id: 'BFF-07', level: 'SHOULD' },
  ],
  needs: ['cookie'],
  steps: [{ op: 'login' }, { op: 'api' }],
  explain: {
    tests: 'Every cookie the backend sets during login and use (the session cookie and any login-state cookie) must carry HttpOnly and Secure; they should be named __Host-… (Path=/, no Domain) and carry SameSite=Lax or Strict.',
    why: 'A script-readable session cookie is a token in the page again; a cookie without Secure leaks over plain http; SameSite and __Host- stop cross-site use and subdomain overwrites.',
    fix: "Set cookies as `__Host-session=<id>; Path=/; Secure; HttpOnly; SameSite=Lax` (Lax where the login callback must see the cookie after the AS's cross-site redirect).",
  },
})
