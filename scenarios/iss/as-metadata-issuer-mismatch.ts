import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-metadata-issuer-mismatch',
  title: 'Refuses AS metadata whose issuer is not the URL it was fetched from',
  family: 'ISS',
  requirements: [
    { id: 'ISS-01', level: 'MUST' },
    { id: 'ISS-02', level: 'MUST' },
  ],
  faults: { asMetadata: { issuer: 'https://evil.example' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The protected-resource metadata names the mock AS, but its /.well-known/oauth-authorization-server says issuer "https://evil.example".',
    why: 'RFC 8414 §3.3: the issuer must equal the URL the metadata came from, or an attacker-controlled document could redirect the whole flow (and the iss check) elsewhere.',
    fix: 'After fetching AS metadata, require metadata.issuer === the issuer URL you fetched it for (and === the PRM authorization server) before using any endpoint.',
  },
})
