import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'restore-session',
  title: 'Restores a stored session in a fresh client instance and calls the PDS',
  family: 'REFRESH',
  requirements: [
    { id: 'BIND-04', level: 'MUST' },
    { id: 'DPOP-02', level: 'MUST' },
  ],
  needs: ['restore'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'restore' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'After login a new client instance restores the session by DID from its store (as after a process restart) and calls the PDS with the stored DPoP key and tokens.',
    why: 'Sessions outlive processes; a client that loses the DPoP key or nonce state on restart forces the user to log in again.',
    fix: 'Store the DPoP private key with the token set, keyed by the DID; on restore, use both and learn nonces again from the servers.',
  },
})
