import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-http-in-production',
  title: 'Refuses an http authorization server in its production configuration',
  family: 'DISC',
  requirements: [{ id: 'DISC-18', level: 'MUST' }],
  https: 'required',
  faults: { protectedResource: { authorization_servers: ['$issuerHttp'] } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', forbidden: ['GET /.well-known/oauth-authorization-server', 'POST /oauth/par'] },
  explain: {
    tests: "The World speaks https (the client runs without its development switch), but the PDS's protected-resource metadata names the AS by a plain-http URL, which really answers. Outside development mode the client must refuse it before fetching anything from it.",
    why: 'Over http the AS metadata, the PAR and the code exchange can be read and changed on the way; only a development build may talk to http servers on loopback.',
    fix: 'Require https for every server URL (PDS, AS, endpoints) unless an explicit development option (allowHttp) is on.',
  },
})
