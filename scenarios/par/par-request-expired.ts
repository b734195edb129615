import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'par-request-expired',
  title: 'Starts a new pushed request after the first one expired unused',
  family: 'PAR',
  requirements: [{ id: 'PAR-07', level: 'MUST' }],
  needs: ['clientClock'],
  steps: [
    { op: 'authorize' },
    { op: 'callback', openAfterSeconds: 400 },
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
  ],
  expect: { completes: true, atLeast: { 'POST /oauth/par': 2 } },
  explain: {
    tests: 'The user opens the authorization page 400 s after PAR (expires_in 300): the AS sends the user back to the client with access_denied "This request has expired" (as the reference does), and the client refuses that callback. The user starts again; the client must push a new request (fresh state and PKCE), not hand out the stale request_uri, which the AS no longer knows.',
    why: 'A request_uri is single-use and short-lived (RFC 9126 §2.2, §4); reusing it sends the user to the same error page again and again.',
    fix: 'Never cache authorization URLs: every login pushes a new request with a new state, PKCE verifier and DPoP key.',
  },
})
