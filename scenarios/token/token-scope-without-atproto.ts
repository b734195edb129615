import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'token-scope-without-atproto',
  title: 'Rejects a session whose granted scope lacks atproto',
  family: 'TOKEN',
  requirements: [
    { id: 'TOKEN-03', level: 'MUST' },
    { id: 'SCOPE-03', level: 'MUST' },
  ],
  faults: { tokenResponse: { scope: 'transition:generic' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { failsAt: 'callback', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The token response grants "transition:generic" without "atproto".',
    why: 'SPEC: clients must reject the session if the response does not include atproto; without it the tokens are not atproto OAuth tokens.',
    fix: 'Split the granted scope on spaces and refuse the session unless "atproto" is among them.',
  },
})
