import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-token-type-bearer',
  title: 'Rejects a token response that downgrades token_type to Bearer',
  family: 'DPOP',
  requirements: [{ id: 'TOKEN-02', level: 'MUST' }],
  faults: { tokenResponse: { token_type: 'Bearer' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The token response says token_type "Bearer" although the request was DPoP-bound.',
    why: 'RFC 9449 §5: a client that asked for DPoP-bound tokens must not accept Bearer ones; a downgrade means the tokens are not bound or the response was tampered with.',
    fix: 'Require token_type to equal "DPoP" (case-insensitively) and refuse the session otherwise.',
  },
})
