import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'conf-jwks-uri',
  title: 'A confidential client that publishes its keys through jwks_uri',
  family: 'CONF',
  requirements: [
    { id: 'META-09', level: 'MUST' },
    { id: 'CONF-02', level: 'MUST' },
  ],
  client: 'confidential',
  publishKeysBy: 'jwks_uri',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The client metadata names a jwks_uri (no inline jwks); the AS fetches the key set from it to verify the client assertions, whose kid must be in it.',
    why: 'Key rotation without redeploying the metadata document relies on jwks_uri; the kid must match a published key or every request fails.',
    fix: 'Publish exactly one of jwks and jwks_uri; sign assertions with a key whose kid the published set contains.',
  },
})
