import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'prm-two-authorization-servers',
  title: 'Aborts when the PDS names two authorization servers',
  family: 'ISS',
  requirements: [{ id: 'DISC-05', level: 'MUST' }],
  faults: { protectedResource: { authorization_servers: ['$issuer', 'https://second.example'] } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The protected-resource metadata lists two authorization servers, the real one first, so a client that just takes the first entry would carry on.',
    why: 'With two candidates the client would have to choose; the atproto profile removes that choice: exactly one AS per PDS.',
    fix: 'Treat any authorization_servers length other than 1 as an error before contacting an AS.',
  },
})
