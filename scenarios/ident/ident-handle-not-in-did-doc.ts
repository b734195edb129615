import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'ident-handle-not-in-did-doc',
  title: 'Aborts a login when the DID document does not confirm the handle',
  family: 'IDENT',
  requirements: [{ id: 'DISC-03', level: 'MUST' }],
  faults: { identity: { alsoKnownAs: { '$plc': ['at://someone-else.test'] } } },
  steps: [{ op: 'authorize', input: 'handle' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'alice.test resolves to a DID whose document lists alsoKnownAs at://someone-else.test: the handle is not confirmed by the DID.',
    why: 'Anyone can point a handle at any DID; only the bidirectional check proves the account owns the handle the user typed.',
    fix: 'After resolving handle → DID, require at://<handle> in the DID document\'s alsoKnownAs before starting the login.',
  },
})
