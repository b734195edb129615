import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'conf-auth-method-not-offered',
  title: 'A confidential client stops when the AS does not offer private_key_jwt',
  family: 'CONF',
  requirements: [{ id: 'CONF-07', level: 'MUST' }],
  client: 'confidential',
  faults: { asMetadata: { set: { token_endpoint_auth_methods_supported: ['none'] } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The AS metadata lists only "none" in token_endpoint_auth_methods_supported; the client is configured as a confidential private_key_jwt client.',
    why: 'Silently downgrading to a public client changes session lifetimes and security properties without anyone deciding so (FIELD-86).',
    fix: 'Before PAR, check that the metadata offers your authentication method and signing algorithm; fail with a clear error otherwise.',
  },
})
