import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'scope-partial-consent',
  title: 'Records the narrower grant when the user removes a permission at consent',
  family: 'SCOPE',
  requirements: [{ id: 'TOKEN-10', level: 'SHOULD' }],
  clientScope: 'atproto repo:test.conformance.post?action=create blob:image/*',
  steps: [
    { op: 'authorize' },
    { op: 'callback', grant: { omit: ['blob:'] } },
    { op: 'call', body: 'post', collection: 'test.conformance.post' },
  ],
  expect: { completes: true, sessionScope: 'atproto repo:test.conformance.post?action=create' },
  explain: {
    tests: 'On the consent page the user removes the blob permission and approves the rest. The client must keep the session, report the granted scope ("atproto repo:…") and still make the calls it covers.',
    why: 'The reference consent screen lets the user remove any requested permission; a client that assumes the requested scope attempts uploads that fail, or refuses a perfectly good session.',
    fix: 'Store the scope of the token response and gate features on it; treat a missing permission as a feature to disable or to ask for again, not as a failed login.',
  },
  tags: ['permissions'],
})
