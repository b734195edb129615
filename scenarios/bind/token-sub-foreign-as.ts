import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-sub-foreign-as',
  title: 'Rejects a sub whose PDS is protected by another authorization server',
  family: 'BIND',
  requirements: [
    { id: 'BIND-03', level: 'MUST' },
    { id: 'DISC-19', level: 'SHOULD' },
  ],
  faults: { tokenResponse: { sub: '$foreign' } },
  steps: [{ op: 'authorize', input: 'pds-url' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'A login started from the PDS URL; the AS returns sub = carol\'s DID, whose document names a PDS whose protected-resource metadata points at https://foreign-as.example, not this AS.',
    why: 'Without this check a malicious AS can mint a session for any victim DID (account takeover, FIELD-66): only the AS that protects the DID\'s PDS may speak for it.',
    fix: 'After the token response resolve sub → DID document → #atproto_pds → protected-resource metadata → AS, bypassing caches, and require that AS to equal the issuer of the flow.',
  },
})
