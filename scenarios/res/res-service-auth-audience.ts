import { defineScenario } from '../../harness/scenario.ts'
import { RPC_FEED } from '../granular-scopes.ts'

export default defineScenario({
  id: 'res-service-auth-audience',
  title: 'Asks getServiceAuth for a method-bound token with the service reference as aud',
  family: 'RES',
  requirements: [{ id: 'RES-07', level: 'MUST' }],
  clientScope: `atproto ${RPC_FEED}`,
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    {
      op: 'call',
      nsid: 'com.atproto.server.getServiceAuth',
      query: 'aud=did%3Aweb%3Asvc.conformance.test%23test_svc&lxm=test.conformance.getFeed',
    },
  ],
  expect: { completes: true },
  explain: {
    tests: 'The client asks com.atproto.server.getServiceAuth for a token for test.conformance.getFeed at did:web:svc.conformance.test#test_svc. The PDS checks rpc:<lxm>?aud=<aud> against the grant before anything else.',
    why: 'A bare-DID aud needs a bare-DID grant, which the scope grammar does not allow; without lxm the PDS checks lxm=*: both get 403 Missing required scope "rpc:…" (BP-115).',
    fix: 'Pass lxm and an aud spelled like the grant (did…#service); keep exp within 1 h (60 s without lxm).',
  },
  tags: ['permissions'],
})
