import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'conf-assertion-claims',
  title: 'Client assertions: aud is the issuer, kid is set, a fresh jti per request',
  family: 'CONF',
  requirements: [
    { id: 'CONF-02', level: 'MUST' },
    { id: 'CONF-01', level: 'MUST' },
  ],
  client: 'confidential',
  needs: ['signOut'],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'signOut' }],
  expect: { completes: true },
  explain: {
    tests: 'PAR, token, refresh and revocation each carry a client assertion; the AS rejects aud = endpoint URL, a missing kid or a reused jti with 400 invalid_client (checks conf.assertion, conf.fresh-jti).',
    why: 'These three mistakes are the most common confidential-client failures against the reference AS (FIELD-73…75).',
    fix: 'aud = the AS issuer string, kid of a published key, exp ~60 s, a random jti for every request.',
  },
})
