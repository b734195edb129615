import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-protected-resources-mismatch',
  title: 'Refuses an AS whose protected_resources does not list the PDS',
  family: 'ISS',
  requirements: [{ id: 'DISC-17', level: 'SHOULD' }],
  faults: { asMetadata: { set: { protected_resources: ['https://other.example'] } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The PDS names this AS, but the AS metadata lists only https://other.example in protected_resources.',
    why: 'RFC 9728 §4: when an AS declares the resources it protects, a PDS outside that list is not vouched for by the AS.',
    fix: 'If protected_resources is present, require the PRM resource (the PDS origin) to be in it.',
  },
})
