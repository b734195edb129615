import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'native-app-login',
  title: 'A native app logs in with a custom-scheme redirect and a valid native metadata document',
  family: 'META',
  requirements: [
    { id: 'META-08', level: 'MUST' },
    { id: 'META-14', level: 'MUST' },
    { id: 'META-15', level: 'SHOULD' },
    { id: 'LOOP-05', level: 'MUST' },
    { id: 'LOOP-06', level: 'MUST' },
  ],
  client: 'native',
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }],
  expect: { completes: true },
  explain: {
    tests: 'The client is a native app: its client_id is https://client.world.internal/oauth-client-metadata.json, the document says application_type native and token_endpoint_auth_method none, and its redirect is the custom scheme test.client:/callback (the reversed host, one slash). The user agent delivers the redirect to that scheme. Its https redirects must be on its own origin.',
    why: 'The reference AS refuses native metadata that gets any of this wrong (FIELD-28 to FIELD-31), and an https redirect on another origin hands codes to someone else (LOOP-06, which the reference does not check).',
    fix: 'application_type "native", token_endpoint_auth_method "none" spelled out, redirect URIs "<reversed client host>:/path" or https on the client_id origin.',
  },
})
