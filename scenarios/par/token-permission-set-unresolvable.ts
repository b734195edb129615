import { defineScenario } from '../../harness/scenario.ts'
import { CONFORMANCE_SET } from '../../mock-as/permission-sets.ts'
import { APP_SCOPE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'token-permission-set-unresolvable',
  title: 'Fails the login cleanly when a permission set breaks between PAR and the code exchange',
  family: 'PAR',
  requirements: [
    { id: 'PAR-11', level: 'SHOULD' },
    { id: 'TOKEN-07', level: 'MUST' },
  ],
  clientScope: APP_SCOPE,
  steps: [
    { op: 'authorize' },
    // The set's lexicon is republished as something else, and the AS has no copy left to fall back on.
    { op: 'setFaults', faults: { permissions: { sets: { notPermissionSet: [CONFORMANCE_SET], noCache: true } } } },
    { op: 'callback' },
  ],
  expect: { failsAt: 'callback', atMost: { 'POST /oauth/token': 1 } },
  explain: {
    tests: 'The set resolved at PAR; at the code exchange it is no longer a permission set. The reference token endpoint answers 400 invalid_request "Lexicon document is not a permission set (…)" after spending the code. The client must fail the login and not send the code again.',
    why: 'The code is spent: resending it gets invalid_grant and, at the reference, revokes whatever the first use created.',
    fix: 'Treat every token-endpoint error as final for that code; start a new flow (fresh PKCE and state) if the user retries.',
  },
  tags: ['permissions'],
})
