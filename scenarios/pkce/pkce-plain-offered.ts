import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'pkce-plain-offered',
  title: 'Keeps using S256 when the AS also offers plain',
  family: 'PKCE',
  requirements: [{ id: 'PKCE-02', level: 'MUST' }],
  faults: { asMetadata: { set: { code_challenge_methods_supported: ['S256', 'plain'] } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS metadata lists ["S256", "plain"]. The client must still send code_challenge_method=S256 (check pkce.s256).',
    why: 'plain sends the verifier in clear on the front channel and is forbidden by atproto; the reference AS refuses it.',
    fix: 'Always use S256, whatever the metadata offers.',
  },
})
