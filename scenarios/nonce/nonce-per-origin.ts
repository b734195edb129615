import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-per-origin',
  title: 'Keeps separate nonces for the entryway AS and the PDS',
  family: 'NONCE',
  requirements: [
    { id: 'NONCE-09', level: 'SHOULD' },
    { id: 'DISC-10', level: 'MUST' },
  ],
  topology: 'entryway',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'AS and PDS live on different origins and issue different nonces. The client must send each server its own nonce (check nonce.per-origin) and not ping-pong one cache between them.',
    why: 'A single shared nonce cache makes every PDS call and every refresh start with a challenge, doubling traffic (FIELD-9).',
    fix: 'Key the nonce cache by origin (and by session), as the reference client does.',
  },
})
