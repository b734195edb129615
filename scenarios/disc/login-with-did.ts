import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'login-with-did',
  title: 'Logs in from a did:plc and calls the PDS',
  family: 'DISC',
  requirements: [
    { id: 'DISC-02', level: 'MUST' },
    { id: 'DISC-13', level: 'SHOULD' },
  ],
  steps: [{ op: 'authorize', input: 'did' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'Login starting from a DID instead of a handle: the DID is resolved at the PLC directory, the PDS is taken from the document.',
    why: 'Users and apps often hold the DID, the stable account id; a client must accept it as login input.',
    fix: 'Accept input that starts with "did:" and skip handle resolution; resolve did:plc at the configured PLC directory.',
  },
})
