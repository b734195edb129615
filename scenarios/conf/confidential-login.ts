import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'confidential-login',
  title: 'A confidential client logs in, calls the PDS and refreshes with private_key_jwt',
  family: 'CONF',
  requirements: [
    { id: 'CONF-01', level: 'MUST' },
    { id: 'CONF-02', level: 'MUST' },
    { id: 'CONF-05', level: 'MUST' },
  ],
  client: 'confidential',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests:
      'The client publishes its metadata document at https://client.world.internal/client-metadata.json (served by the World) with private_key_jwt and an ES256 key, and authenticates at PAR, token and refresh with a client assertion: iss = sub = client_id, aud = issuer, kid, exp, a fresh jti even on nonce retries.',
    why: 'Confidential clients get long sessions (2 years); the AS rejects assertions with the endpoint URL as aud, without kid, or with a reused jti (FIELD-73…75).',
    fix: 'Sign a new assertion for every HTTP request (nonce retries too) with aud set to the AS issuer and the kid of a key published in your JWKS.',
  },
})
