import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-sub-changes',
  title: 'Ends the session when a refresh response names another sub',
  family: 'BIND',
  requirements: [
    { id: 'BIND-05', level: 'SHOULD' },
    { id: 'REFRESH-08', level: 'MUST' },
  ],
  faults: { refreshResponse: { sub: '$web' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'call' }],
  expect: { failsAt: 'refresh', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'The refresh response says sub = bob\'s DID for alice\'s session.',
    why: 'A refresh that switches accounts means the AS and the client disagree about whose session this is; continuing mixes two users\' data.',
    fix: 'Validate refresh responses like the first one: same sub as the session, token_type DPoP, atproto in scope; end the session otherwise.',
  },
})
