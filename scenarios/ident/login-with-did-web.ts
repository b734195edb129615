import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'login-with-did-web',
  title: 'Logs in to an account whose DID is a did:web',
  family: 'IDENT',
  requirements: [{ id: 'DISC-02', level: 'MUST' }],
  steps: [{ op: 'authorize', input: 'did', account: 'web' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The account bob.test has a did:web (did:web:localhost%3A<port>); its document is served at /.well-known/did.json of that host.',
    why: 'did:web is one of the two DID methods atproto blesses; clients that only speak did:plc lock those users out.',
    fix: 'Resolve did:web by fetching https://<host>/.well-known/did.json (http for localhost in development) and read #atproto_pds from it.',
  },
})
