import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'par-dpop-strict',
  title: 'Starts DPoP at PAR (strict AS refuses PAR without a proof)',
  family: 'PAR',
  requirements: [{ id: 'PAR-04', level: 'MUST' }],
  profile: 'strict',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'Under the strict profile the AS answers a PAR without a DPoP header with 401 invalid_dpop_proof "DPoP proof required" (the reference AS leniently accepts it and binds the key later).',
    why: 'SPEC "DPoP": clients must initiate DPoP in the PAR request; a client relying on the reference leniency breaks on a stricter AS.',
    fix: 'Generate the session DPoP key before PAR and send a proof (with the nonce retry) on the PAR request itself.',
  },
})
