import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-same-key-refresh',
  title: 'Refreshes and revokes with the key the session started with',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-02', level: 'MUST' }],
  needs: ['signOut'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'call' }, { op: 'signOut' }],
  expect: { completes: true },
  explain: {
    tests: 'The key of the PAR proof must sign the token request, the refresh, the PDS calls and the revocation (check dpop.same-key follows request_uri → code → tokens). The reference AS answers a refresh with another key with invalid_grant and deletes the session.',
    why: 'Tokens are bound to the key thumbprint (cnf.jkt); a new key means lost sessions after every restart.',
    fix: 'Store the DPoP private key with the session and load it for every later request.',
  },
})
