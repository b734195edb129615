import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-iss-mismatch',
  title: 'Rejects an authorization response whose iss is not the issuer',
  family: 'ISS',
  requirements: [
    { id: 'ISS-03', level: 'MUST' },
    { id: 'ISS-07', level: 'MUST' },
  ],
  faults: { authorizeResponse: { iss: 'https://evil.example' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The AS redirects back with iss=https://evil.example instead of its own issuer. The client must refuse the callback and send no token request.',
    why: 'RFC 9207 iss is the mix-up defence: a code delivered with another issuer may come from an attacker AS, and redeeming it sends the code and PKCE verifier to the wrong place.',
    fix: 'Keep the issuer in the pending state record; on callback compare the iss parameter with it byte for byte and abort on a mismatch, before any token request.',
  },
})
