import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'ident-no-pds-service',
  title: 'Aborts with a clear error when the DID document names no PDS',
  family: 'IDENT',
  requirements: [{ id: 'DISC-04', level: 'MUST' }],
  faults: {
    identity: {
      didDocPds: { $plc: null },
      servicesBefore: { $plc: [{ id: '#atproto_labeler', type: 'AtprotoLabeler', serviceEndpoint: '$pds' }] },
    },
  },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The DID document has no #atproto_pds service, only a labeler service (whose endpoint happens to be a PDS).',
    why: 'Without a PDS there is no resource server and no authorization server to trust; guessing one sends the user elsewhere.',
    fix: 'Look for the service with id #atproto_pds (or <did>#atproto_pds) and type AtprotoPersonalDataServer; stop with an error naming the DID when it is missing.',
  },
})
