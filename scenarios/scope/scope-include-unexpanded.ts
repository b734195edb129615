import { defineScenario } from '../../harness/scenario.ts'
import { APP_SCOPE, SERVICE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'scope-include-unexpanded',
  title: 'Keeps a session whose permission set was granted as the raw include: token',
  family: 'SCOPE',
  requirements: [{ id: 'SCOPE-08', level: 'SHOULD' }],
  clientScope: APP_SCOPE,
  faults: { permissions: { grantIncludeUnexpanded: true } },
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call', body: 'post', collection: 'test.conformance.post' },
    { op: 'call', nsid: 'test.conformance.getFeed', proxy: SERVICE },
  ],
  expect: { completes: true, sessionScope: APP_SCOPE },
  explain: {
    tests: 'A server unlike the reference returns the include: token unexpanded in the token response (its PDS still honours the set). The client must keep the session and make the calls the set covers: a createRecord and a proxied call.',
    why: 'Other servers grant the include: as such (Cocoon did, haileyok/cocoon#123): an app that looks only for expanded repo: strings disables its features there (Leaflet could not publish).',
    fix: 'Accept both forms: an include: in the grant means the set was granted. Decide what is allowed by parsing the grant, and let a 403 be the final word.',
  },
  tags: ['permissions'],
})
