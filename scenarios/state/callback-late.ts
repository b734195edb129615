import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-late',
  title: 'Refuses an authorization response that arrives an hour after the login started',
  family: 'STATE',
  requirements: [{ id: 'STATE-09', level: 'MUST' }],
  needs: ['clientClock'],
  // A lenient AS: its codes live two hours, so only the client's own bound on pending logins can stop this.
  faults: { codeLifetimeSeconds: 7200 },
  steps: [{ op: 'authorize' }, { op: 'callback', deliverAfterSeconds: 3600 }],
  expect: { failsAt: 'callback', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: 'The user approves, but the browser delivers the redirect an hour later (World and client clocks move 3600 s). The AS here still honours the code, so the client itself must refuse the stale pending login before exchanging the code.',
    why: 'Pending state that never expires lets an old, leaked or replayed authorization response finish a login long after the user walked away; the reference AS forgets requests after 5 minutes idle.',
    fix: 'Store a creation time with each pending state and refuse callbacks older than a bound (minutes to an hour), before the token request.',
  },
})
