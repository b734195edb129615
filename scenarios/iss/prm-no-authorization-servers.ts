import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'prm-no-authorization-servers',
  title: 'Aborts when the PDS names no authorization server',
  family: 'ISS',
  requirements: [{ id: 'DISC-05', level: 'MUST' }],
  // Self-hosted, so a client that falls back to the PDS origin as its AS would get through: it must not.
  topology: 'self-hosted',
  faults: { protectedResource: { authorization_servers: [] } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The protected-resource metadata has an empty authorization_servers list.',
    why: 'The atproto profile requires exactly one AS; guessing one (the PDS origin, a hard-coded host) sends the user and their credentials to a server nobody named.',
    fix: 'Require authorization_servers to have exactly one entry; otherwise stop with an error that names the PDS and the step.',
  },
})
