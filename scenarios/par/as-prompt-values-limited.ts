import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-prompt-values-limited',
  title: 'Sends only a prompt value the AS advertises (login and consent here)',
  family: 'PAR',
  requirements: [{ id: 'PAR-10', level: 'SHOULD' }],
  faults: { asMetadata: { set: { prompt_values_supported: ['login', 'consent'] } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS lists prompt_values_supported ["login", "consent"] (as the perlsky PDS does). Any prompt the client sends at PAR must be one of them; no prompt at all is fine.',
    why: 'An unadvertised prompt (select_account, create) is either refused or ignored; an app that relies on it (account creation, an account chooser) silently gets something else.',
    fix: 'Read prompt_values_supported from the AS metadata and send prompt only with a listed value.',
  },
})
