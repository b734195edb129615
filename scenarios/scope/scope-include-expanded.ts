import { defineScenario } from '../../harness/scenario.ts'
import { APP_GRANT, APP_SCOPE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'scope-include-expanded',
  title: 'Keeps a session whose permission set was granted in its expanded form',
  family: 'SCOPE',
  requirements: [{ id: 'SCOPE-08', level: 'SHOULD' }],
  clientScope: APP_SCOPE,
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', body: 'post', collection: 'test.conformance.post' }],
  expect: { completes: true, sessionScope: APP_GRANT },
  explain: {
    tests: 'The client requests "atproto include:test.conformance.authFull?aud=…" and a blob permission. Like the reference AS, the token response replaces the include: with the set\'s repo: and rpc: permissions in canonical spelling. The client must keep the session, report the granted scope and write a record the set covers.',
    why: 'The reference never returns the include: token. An app that looks for it, or compares the granted scope string with the requested one, misreads every grant for a permission set and fails or re-authorizes in a loop (BP-108).',
    fix: 'Read the granted scope as a set of permissions: parse it (e.g. with @atproto/oauth-scopes) and decide per call, or make the call and treat a 403 as a permission error. Never compare it with the request as a string.',
  },
  tags: ['permissions'],
})
