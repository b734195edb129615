import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-scope-shrinks',
  title: 'Records the narrower scope a refresh grants',
  family: 'REFRESH',
  requirements: [{ id: 'SCOPE-07', level: 'SHOULD' }],
  faults: { refreshResponse: { scope: 'atproto' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true, sessionScope: 'atproto' },
  explain: {
    tests: 'The login granted "atproto transition:generic"; the refresh response grants only "atproto". The client must report the new, narrower scope.',
    why: 'Users can withdraw permissions in the AS; a client that keeps the old scope attempts writes that now fail with 403.',
    fix: 'Replace the stored scope with the scope of every refresh response (and keep requiring atproto in it).',
  },
})
