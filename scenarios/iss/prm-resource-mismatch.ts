import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'prm-resource-mismatch',
  title: 'Refuses protected-resource metadata whose resource is another origin',
  family: 'ISS',
  requirements: [{ id: 'DISC-16', level: 'MUST' }],
  faults: { protectedResource: { resource: 'https://other.example' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The PDS serves /.well-known/oauth-protected-resource with resource "https://other.example" instead of its own origin.',
    why: 'RFC 9728 §3.3: a resource metadata document that names another resource may be a copy planted to send the user to an attacker AS.',
    fix: 'Compare the PRM resource with the PDS origin you fetched it from and abort on a mismatch, before contacting any AS.',
  },
})
