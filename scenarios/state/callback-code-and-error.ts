import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-code-and-error',
  title: 'Treats a callback carrying both code and error as an error',
  family: 'STATE',
  requirements: [{ id: 'STATE-05', level: 'MUST' }],
  faults: { authorizeResponse: { error: 'access_denied' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The redirect carries state, iss, a code and error=access_denied at once.',
    why: 'RFC 6749 §4.1.2.1: an error response is an error response; redeeming a code that arrived with an error acts on an authorization the user or the AS refused.',
    fix: 'Check the error parameter before looking for a code; if present, fail the callback.',
  },
})
