import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-endpoints-off-origin',
  title: 'Refuses AS metadata whose token endpoint is on another origin',
  family: 'ISS',
  requirements: [{ id: 'ISS-08', level: 'SHOULD' }],
  faults: { asMetadata: { set: { token_endpoint: '$identity/oauth/token' } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par', 'POST /oauth/token'] },
  explain: {
    tests: 'The AS metadata names its token endpoint on another origin (the identity server of the World). A client that uses it posts the code, the PKCE verifier and a DPoP proof there.',
    why: 'RFC 9700 §4.4 (defence in depth against mix-up): every endpoint of an atproto AS lives on the issuer origin.',
    fix: 'Before starting a login, require authorization, PAR, token and revocation endpoints to be https URLs on the issuer\'s origin.',
  },
})
