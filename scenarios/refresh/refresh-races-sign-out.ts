import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-races-sign-out',
  title: 'A refresh that completes after sign-out does not bring the session back',
  family: 'REFRESH',
  requirements: [{ id: 'REFRESH-10', level: 'MUST' }],
  faults: { holdResponse: { refresh: true } },
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'refresh', background: true, mayFail: true },
    { op: 'signOut', background: true },
    { op: 'release', seam: 'refresh' },
    { op: 'call' },
  ],
  expect: { failsAt: 'call', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'A refresh is in flight (the AS has rotated the tokens and holds its answer) when the user signs out; then the answer arrives. After that the client must have no session: the next call fails locally, and no PDS request goes out with the refreshed tokens.',
    why: 'Without a shared lock (or a re-check after the refresh), the late refresh writes fresh tokens back and the signed-out user is silently signed in again (FIELD-23).',
    fix: 'Make sign-out take the refresh lock, or check after every refresh that the session still exists before storing (and revoke the new tokens if not).',
  },
})
