import { defineScenario } from '../../harness/scenario.ts'
import { CONFORMANCE_SET } from '../../mock-as/permission-sets.ts'
import { APP_SCOPE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'par-permission-set-unresolvable',
  title: 'Surfaces a PAR refused because a permission set cannot be resolved',
  family: 'PAR',
  requirements: [
    { id: 'PAR-11', level: 'SHOULD' },
    { id: 'PAR-05', level: 'MUST' },
  ],
  clientScope: APP_SCOPE,
  faults: { permissions: { sets: { unresolvable: [CONFORMANCE_SET] } } },
  steps: [{ op: 'authorize' }],
  expect: {
    failsAt: 'authorize',
    forbidden: ['GET /oauth/authorize'],
    atMost: { 'POST /oauth/par': 1 },
    message: 'invalid_scope|Could not resolve Lexicon',
  },
  explain: {
    tests: 'The client\'s include: names a permission set whose lexicon does not resolve. The reference PAR answers 400 invalid_scope "Could not resolve Lexicon for NSID (test.conformance.authFull)" and keeps the failed lookup for 5 min. The client must show the error, not open the authorization page, and not retry at once.',
    why: 'An immediate retry fails the same way (the failure is cached), and a redirect without a request_uri sends the user to an error page (bluesky-social/atproto#5508).',
    fix: 'Treat a PAR error as final for this attempt: surface the AS\'s error_description; retry at most once, after the AS\'s caching interval, with fresh state and PKCE.',
  },
  tags: ['permissions'],
})
