import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'restore-after-as-change',
  title: 'Refuses to restore a session whose PDS now names another authorization server',
  family: 'BIND',
  requirements: [
    { id: 'BIND-06', level: 'SHOULD' },
    { id: 'RES-06', level: 'SHOULD' },
  ],
  needs: ['restore'],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'setFaults', faults: { protectedResource: { authorization_servers: ['$identity'] } } },
    { op: 'restore' },
    { op: 'call' },
  ],
  expect: { failsAt: 'restore', forbidden: ['GET /xrpc/com.atproto.server.getSession'] },
  explain: {
    tests: 'After login the account\'s PDS changes hands: its protected-resource metadata now names another AS. A restarted client restoring the session must re-resolve the DID and notice that the session\'s issuer no longer speaks for this PDS.',
    why: 'Sessions outlive moves between servers; a client that keeps using stored endpoints sends tokens to a PDS that no longer trusts them, or trusts an AS that no longer owns the account.',
    fix: 'On restore, resolve the DID → PDS → authorization server again (bypassing caches) and require it to equal the session\'s issuer; otherwise ask the user to sign in again.',
  },
})
