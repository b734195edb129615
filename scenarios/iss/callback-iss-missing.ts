import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-iss-missing',
  title: 'Rejects an authorization response without iss when the AS advertises it',
  family: 'ISS',
  requirements: [{ id: 'ISS-04', level: 'MUST' }],
  faults: { authorizeResponse: { iss: null } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The AS metadata says authorization_response_iss_parameter_supported: true, but the redirect carries no iss parameter.',
    why: 'An attacker who strips iss would otherwise defeat the RFC 9207 mix-up defence: a client must not treat iss as optional once the AS promised it.',
    fix: 'If the AS metadata advertises authorization_response_iss_parameter_supported, refuse a callback without iss before any token request.',
  },
})
