import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-as-changed',
  title: 'Refuses to refresh at an AS that no longer speaks for the account',
  family: 'ISS',
  requirements: [{ id: 'ISS-06', level: 'SHOULD' }],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'setFaults', faults: { protectedResource: { authorization_servers: ['https://new-as.example'] } } },
    { op: 'refresh' },
  ],
  expect: { failsAt: 'refresh', forbidden: ['POST /oauth/token'] },
  explain: {
    tests: "After login the account's PDS names another authorization server in its protected-resource metadata (the account moved). Before refreshing, the client must re-check that the session's AS still speaks for the account, and refuse to send the refresh token to the old AS.",
    why: 'A refresh token presented to an AS that no longer serves the account keeps a stale (or hijacked) AS in charge of the session; the reference client re-runs its issuer check before every refresh.',
    fix: "Before each refresh, resolve the DID again, fetch its PDS's protected-resource metadata and require the session's issuer; otherwise end the session and ask the user to sign in again.",
  },
})
