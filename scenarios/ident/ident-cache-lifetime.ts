import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'ident-cache-lifetime',
  title: 'Resolves the handle again for a login 11 minutes after the previous one',
  family: 'IDENT',
  requirements: [{ id: 'DISC-12', level: 'SHOULD' }],
  needs: ['clientClock'],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'advanceClock', seconds: 660, client: 'with' },
    { op: 'authorize' },
    { op: 'callback' },
  ],
  expect: { completes: true, atLeast: { 'GET /xrpc/com.atproto.identity.resolveHandle': 2 } },
  explain: {
    tests: 'Two logins with the same handle, 11 minutes apart on both the World\'s and the client\'s clock. Identity lookups for auth flows may be cached for less than 10 minutes, so the second login must resolve the handle again.',
    why: 'A handle can move to another DID and a DID to another PDS; a login that trusts a stale resolution signs the user in to the wrong account or sends the request to a PDS that no longer hosts it.',
    fix: 'Cache handle and DID resolution for auth flows for less than 10 minutes (by the client\'s clock), or not at all.',
  },
})
