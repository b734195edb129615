import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'scope-upgrade-reauthorize',
  title: 'Upgrades a narrower grant through a new authorization, not a refresh',
  family: 'SCOPE',
  requirements: [{ id: 'SCOPE-06', level: 'SHOULD' }],
  faults: { tokenResponse: { scope: 'atproto' } },
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'refresh' },
    { op: 'call', body: 'post', mayFail: true },
    { op: 'setFaults', faults: { tokenResponse: {} } },
    { op: 'authorize', scope: 'atproto transition:generic' },
    { op: 'callback' },
    { op: 'call', body: 'post' },
  ],
  expect: { completes: true, sessionScope: 'atproto transition:generic' },
  explain: {
    tests: 'The AS grants only "atproto"; the client refreshes and a write gets 403. The app then asks for "atproto transition:generic" again: the client runs a new authorization (a second PAR), the AS now grants it, and the write works. No refresh may ask for a scope beyond the granted one.',
    why: 'RFC 6749 §6: a refresh cannot widen the grant; a client that asks for more on refresh is refused or silently ignored, and the user never gets the permission the app needs.',
    fix: 'To get more scope, start a new authorization for the same account with the wider scope; refresh with no scope parameter (or the granted one).',
  },
})
