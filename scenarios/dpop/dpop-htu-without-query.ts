import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-htu-without-query',
  title: 'Leaves query and fragment out of htu (strict PDS)',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-11', level: 'MUST' }],
  profile: 'strict',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', nsid: 'com.atproto.server.getSession', query: 'conformance=1' }],
  expect: { completes: true },
  explain: {
    tests: 'The client calls the PDS with a query string. The proof\'s htu must be the URL without it; the strict PDS refuses an htu with a query (the reference tolerates it, check dpop.htu still flags it).',
    why: 'RFC 9449 §4.2: htu is the target URI without query and fragment; servers compare it literally.',
    fix: 'Set htu to origin + path of the request URL.',
  },
})
