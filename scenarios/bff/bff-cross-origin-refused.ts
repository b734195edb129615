import { defineBffScenario } from '../../harness/bff/scenario.ts'

export default defineBffScenario({
  id: 'bff-cross-origin-refused',
  title: 'Another origin gets no CORS grant and no answer with the session credential',
  family: 'BFF',
  requirements: [
    { id: 'BFF-04', level: 'MUST' },
    { id: 'BFF-05', level: 'MUST' },
  ],
  steps: [
    { op: 'login' },
    { op: 'preflight', origin: 'frontend' },
    { op: 'api' },
    { op: 'preflight', origin: 'other' },
    { op: 'api', credential: 'other-origin' },
  ],
  explain: {
    tests: "A CORS preflight and an API call from https://evil.example, the latter carrying the frontend's session credential (as a browser would send a cookie): no Access-Control-Allow-Origin for that origin (neither it nor `*`), and the call is refused with a 4xx without reaching the PDS.",
    why: 'Reflecting any Origin with credentials lets every web page the user visits call the backend as the user. A backend whose session is a cookie must also refuse cross-site requests itself (CSRF), since CORS only hides the answer.',
    fix: "Allow CORS for the registered frontend origin only (e.g. `cors({ origin: 'chrome-extension://<id>', credentials: true })`) and refuse API requests whose Origin is not the frontend's.",
  },
})
