import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-rotation',
  title: 'Uses the newest nonce as the servers rotate them',
  family: 'NONCE',
  requirements: [{ id: 'NONCE-03', level: 'MUST' }],
  faults: { dpopNonce: { rotateEverySeconds: 30 } },
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
    { op: 'advanceClock', seconds: 40 },
    { op: 'call' },
    { op: 'advanceClock', seconds: 60 },
    { op: 'refresh' },
    { op: 'call' },
  ],
  expect: { completes: true },
  explain: {
    tests: 'The World clock moves past three 30-second nonce rotations, so the first nonce expires; each server hands out its new nonce in success responses. The client must switch to the newest nonce it received (check nonce.latest), not keep the first one until it is challenged.',
    why: 'RFC 9449 §8.2: the client uses the new nonce from every response; a client that only learns from challenges pays an extra round trip per rotation and breaks on servers with short windows.',
    fix: 'Update the stored nonce for an origin from the DPoP-Nonce header of every response, success or error.',
  },
})
