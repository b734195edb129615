import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-rotation',
  title: 'Forced refreshes rotate the refresh token and keep the session working',
  family: 'REFRESH',
  requirements: [
    { id: 'REFRESH-01', level: 'MUST' },
    { id: 'REFRESH-02', level: 'MUST' },
    { id: 'DPOP-02', level: 'MUST' },
  ],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'refresh' },
    { op: 'call' },
    { op: 'refresh' },
    { op: 'call' },
  ],
  expect: { completes: true, sends: ['POST /oauth/token'] },
  explain: {
    tests:
      'Two forced refreshes in a row. The mock AS rotates the refresh token each time (like the reference) and kills the previous access token at once; the client must use the newest refresh token, the same DPoP key, and the new access token.',
    why: 'Refresh tokens are single-use: presenting a rotated-out one is treated as theft and revokes the whole session (REFRESH-02).',
    fix: 'Persist the token set from every refresh response before using it; never send the old refresh token again.',
  },
})
