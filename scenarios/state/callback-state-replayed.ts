import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-state-replayed',
  title: 'Rejects the same authorization response delivered twice',
  family: 'STATE',
  requirements: [
    { id: 'STATE-04', level: 'MUST' },
    { id: 'TOKEN-07', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'replayCallback' }],
  expect: { failsAt: 'replayCallback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'After a successful login the browser delivers the same redirect (state + code) again, as a back button or an attacker would.',
    why: 'state is single-use and so is the code: redeeming it twice makes the reference AS revoke the whole session it issued.',
    fix: 'Delete the pending-login record as soon as a callback uses it; a second callback with that state finds nothing and is refused without a token request.',
  },
})
