import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-authorization-scheme',
  title: 'Uses Authorization: DPoP, never Bearer, at the PDS',
  family: 'DPOP',
  requirements: [{ id: 'RES-01', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'PDS requests must use the DPoP scheme plus a proof (check res.dpop-scheme). The reference PDS answers a DPoP-bound token sent as Bearer with 400 InvalidToken "Malformed token".',
    why: 'Sending a bound token as Bearer fails at atproto PDSs and, elsewhere, turns a sender-constrained token into a bearer one.',
    fix: 'Send Authorization: DPoP <access_token> with a DPoP header on every resource request.',
  },
})
