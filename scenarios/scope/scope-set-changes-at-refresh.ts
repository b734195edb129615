import { defineScenario } from '../../harness/scenario.ts'
import { CONFORMANCE_SET } from '../../mock-as/permission-sets.ts'
import { APP_SCOPE, REPUBLISHED_GRANT, REPUBLISHED_SET, SERVICE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'scope-set-changes-at-refresh',
  title: 'Takes the new grant when a permission set changes between two refreshes',
  family: 'SCOPE',
  requirements: [
    { id: 'SCOPE-07', level: 'SHOULD' },
    { id: 'SCOPE-08', level: 'SHOULD' },
  ],
  clientScope: APP_SCOPE,
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'refresh' },
    { op: 'setFaults', faults: { permissions: { sets: { republish: { [CONFORMANCE_SET]: REPUBLISHED_SET } } } } },
    // The AS re-resolves its copy of the set once it is 5 min old.
    { op: 'advanceClock', seconds: 301 },
    { op: 'refresh' },
    { op: 'call', nsid: 'test.conformance.getThread', proxy: SERVICE },
  ],
  expect: { completes: true, sessionScope: REPUBLISHED_GRANT },
  explain: {
    tests: 'After the first refresh the set\'s owner republishes it (likes removed, getThread added). The reference AS recomputes the expansion at every refresh from its cached copy, re-resolved after 5 min, so the second refresh grants a different scope without new consent. The client must store it and may call the newly allowed method.',
    why: 'Permission sets are live documents: a client that keeps the scope of its first token response attempts calls that were withdrawn and skips the ones that were added.',
    fix: 'Replace the stored scope with the scope of every refresh response (SCOPE-07) and gate features on it.',
  },
  tags: ['permissions'],
})
