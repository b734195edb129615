import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'res-scope-error-variant-name',
  title: 'Treats a 403 named InsufficientScope as a permission error',
  family: 'RES',
  requirements: [
    { id: 'REFRESH-07', level: 'MUST' },
    { id: 'RES-05', level: 'SHOULD' },
  ],
  faults: { tokenResponse: { scope: 'atproto' }, permissions: { missingScopeAnswer: 'InsufficientScope' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', body: 'post' }],
  expect: { failsAt: 'call', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The session was granted only "atproto"; the createRecord gets a 403 {\"error\":\"InsufficientScope\"} as rsky answers it instead of the reference ScopeMissingError. The client must handle it like any 403: a permission problem, no refresh.',
    why: 'Servers name the error differently (BP-120). A client that recognises only ScopeMissingError refreshes or crashes on the others, and a refresh cannot widen the scope.',
    fix: 'Key on the status: every 403 from the PDS is a permission problem; show the message and offer re-authorization with the missing scope.',
  },
  tags: ['permissions'],
})
