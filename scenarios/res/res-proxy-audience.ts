import { defineScenario } from '../../harness/scenario.ts'
import { RPC_FEED, SERVICE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'res-proxy-audience',
  title: 'Names the proxied service exactly like its granted rpc audience',
  family: 'RES',
  requirements: [
    { id: 'RES-07', level: 'MUST' },
    { id: 'REFRESH-07', level: 'MUST' },
  ],
  clientScope: `atproto ${RPC_FEED}`,
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', nsid: 'test.conformance.getFeed', proxy: SERVICE }],
  expect: { completes: true, atMost: { 'POST /oauth/token': 1 } },
  explain: {
    tests: 'The grant holds rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test%23test_svc. The client calls the method through its PDS with atproto-proxy; the PDS checks the header value did…#test_svc against the granted audience, by exact comparison.',
    why: 'A header or audience that differs from the grant (a bare DID, another #fragment) gets 400 or 403 ScopeMissingError for a permission the user did grant (bluesky-social/atproto#4195).',
    fix: 'Send atproto-proxy as did…#serviceId, spelled exactly like the aud of the rpc: permission you declared.',
  },
  tags: ['permissions'],
})
