import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-client-clock-behind',
  title: 'Copes with its own clock running 10 minutes behind the servers',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-10', level: 'SHOULD' }],
  needs: ['clientClock'],
  steps: [
    { op: 'advanceClock', seconds: -600, client: 'only' },
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
  ],
  expect: { completes: true, orRefuses: { message: 'clock|skew' }, atMost: { 'POST /oauth/par': 3 } },
  explain: {
    tests: 'The client\'s clock is 10 minutes slow; the AS accepts DPoP iat within about [now − 190 s, now + 180 s]. The client must correct itself (from the servers\' Date header or nonce) and log in, or fail with an error that names the clock, and not loop.',
    why: 'Phones and laptops with wrong clocks are common; a bare invalid_dpop_proof leaves users stuck with no hint, and a retry loop hammers the AS (FIELD-76).',
    fix: 'Derive iat from the server\'s Date header (or the nonce) when the local clock disagrees, or report "your clock is off" to the user.',
  },
})
