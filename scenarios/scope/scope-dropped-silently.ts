import { defineScenario } from '../../harness/scenario.ts'
import { SERVICE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'scope-dropped-silently',
  title: 'Handles a declared permission the AS left out of the grant without an error',
  family: 'SCOPE',
  requirements: [
    { id: 'SCOPE-09', level: 'SHOULD' },
    { id: 'SCOPE-05', level: 'SHOULD' },
    { id: 'TOKEN-10', level: 'SHOULD' },
  ],
  // The reference drops the token silently; a strict AS refuses the PAR instead (scope-unparsable-refused).
  profile: 'reference',
  // The rpc audience is a bare DID: the reference accepts the PAR and drops the token from the grant.
  clientScope: 'atproto repo:test.conformance.post?action=create rpc:test.conformance.getFeed?aud=did:web:svc.conformance.test',
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call', nsid: 'test.conformance.getFeed', proxy: SERVICE },
  ],
  expect: { failsAt: 'call', forbidden: ['POST /oauth/token'], atMost: { 'GET /xrpc/test.conformance.getFeed': 1 } },
  explain: {
    tests: 'The client declares and requests an rpc: permission whose aud is a bare DID. The reference AS accepts the PAR and silently drops it (the audience must be did…#service), so the grant is "atproto repo:…". The proxied call then gets 403 ScopeMissingError. The client must keep the login, report the call as a permission error, and neither refresh nor retry.',
    why: 'A client that gates on its requested scope believes it holds the permission; refreshing on the 403 cannot widen the grant and loops (FIELD-52).',
    fix: 'Spell rpc audiences as did…#service (SCOPE-05), gate features on the granted scope, and treat a 403 as a permission problem, not an expired token.',
  },
  tags: ['permissions'],
})
