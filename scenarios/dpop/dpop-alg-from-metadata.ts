import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-alg-from-metadata',
  title: 'Signs DPoP proofs with an algorithm the AS lists (strict AS: ES256 only)',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-03', level: 'MUST' }],
  profile: 'strict',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The strict AS lists only ES256 in dpop_signing_alg_values_supported and refuses other algorithms.',
    why: 'ES256 is the one algorithm every atproto server must support; picking another one because "it usually works" breaks on stricter servers.',
    fix: 'Choose the DPoP key algorithm from dpop_signing_alg_values_supported, preferring ES256.',
  },
})
