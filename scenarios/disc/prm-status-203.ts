import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'prm-status-203',
  title: 'Refuses protected-resource metadata answered 203 instead of 200',
  family: 'DISC',
  requirements: [{ id: 'DISC-08', level: 'MUST' }],
  faults: { protectedResource: { response: { status: 203 } } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The PDS answers its /.well-known/oauth-protected-resource with 203 Non-Authoritative Information and a valid document. Only HTTP 200 counts: the client must stop before PAR.',
    why: '203 means a proxy changed the document; the authorization server it names is not the PDS\'s own statement. The reference client accepts only 200.',
    fix: 'Accept protected-resource and AS metadata only with status 200 (a 404 of the PRM aside, for a server-initiated login).',
  },
})
