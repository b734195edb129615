import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-metadata-cimd-unsupported',
  title: 'Refuses an AS that does not support client metadata documents',
  family: 'ISS',
  requirements: [{ id: 'ISS-05', level: 'MUST' }],
  faults: { asMetadata: { set: { client_id_metadata_document_supported: false } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The AS metadata says client_id_metadata_document_supported: false.',
    why: 'atproto clients are identified by their metadata URL; an AS that cannot fetch it is not an atproto AS, and continuing sends the user to a server that will mis-handle the client.',
    fix: 'Validate the atproto-mandatory metadata fields (client_id_metadata_document_supported, require_pushed_authorization_requests, PAR endpoint, S256, iss parameter support) before starting a login.',
  },
})
