import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'revoke-unverified-tokens',
  title: 'Revokes tokens it refuses to keep after a failed sub check',
  family: 'REVOKE',
  requirements: [
    { id: 'REVOKE-06', level: 'SHOULD' },
    { id: 'BIND-03', level: 'MUST' },
  ],
  faults: { tokenResponse: { sub: '$foreign' } },
  steps: [{ op: 'authorize', input: 'pds-url' }, { op: 'callback' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'], sends: ['POST /oauth/revoke'] },
  explain: {
    tests: 'The token response names a sub whose PDS is protected by another AS, so the client must refuse the session (BIND-03) — and revoke the tokens it was just given instead of leaving them alive at the AS.',
    why: 'Tokens the client throws away are still valid at the AS until they expire; revoking them closes that window.',
    fix: 'When a freshly issued token set fails a check (sub, scope, token_type) or cannot be stored, send it to the revocation endpoint before reporting the error.',
  },
})
