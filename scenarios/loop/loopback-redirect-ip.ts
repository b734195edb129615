import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'loopback-redirect-ip',
  title: 'Uses a loopback IP, not localhost, as redirect URI',
  family: 'LOOP',
  requirements: [{ id: 'LOOP-02', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'The loopback redirect URI must be http://127.0.0.1:<port>/… or http://[::1]:<port>/…; the AS refuses "localhost" (RFC 8252 §7.3).',
    why: 'localhost may resolve to another interface or be hijacked by a hosts file; RFC 8252 requires the IP literal.',
    fix: 'Listen on 127.0.0.1 and register http://127.0.0.1:<port>/callback.',
  },
})
