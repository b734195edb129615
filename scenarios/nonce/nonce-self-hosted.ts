import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-self-hosted',
  title: 'Logs in and calls a self-hosted PDS that is its own authorization server',
  family: 'NONCE',
  requirements: [{ id: 'NONCE-03', level: 'MUST' }],
  topology: 'self-hosted',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call', body: 'post' }],
  expect: { completes: true },
  explain: {
    tests: 'One origin serves /oauth/* and /xrpc/* with one nonce manager, as a default PDS does: a nonce learned at PAR is valid at the PDS.',
    why: 'Clients must work against both deployments; some hard-code "AS ≠ PDS" assumptions.',
    fix: 'Derive every endpoint from discovery; key nonces by origin, which makes AS and PDS share one here.',
  },
})
