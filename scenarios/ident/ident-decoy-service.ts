import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'ident-decoy-service',
  title: 'Picks the #atproto_pds service, not the first service of the DID document',
  family: 'IDENT',
  requirements: [{ id: 'DISC-04', level: 'MUST' }],
  faults: {
    identity: {
      servicesBefore: { $plc: [{ id: '#atproto_labeler', type: 'AtprotoLabeler', serviceEndpoint: '$identity' }] },
    },
  },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The DID document lists a labeler service before #atproto_pds. Its endpoint is another server whose metadata names a foreign AS.',
    why: 'DID documents carry several services; taking the first one sends the login (and later the tokens) to the wrong server.',
    fix: 'Select the service whose id is #atproto_pds (or <did>#atproto_pds) and whose type is AtprotoPersonalDataServer.',
  },
})
