import { defineScenario } from '../../harness/scenario.ts'
import { APP_SCOPE } from '../granular-scopes.ts'

export default defineScenario({
  id: 'scope-blob-direct',
  title: 'Requests blob permissions directly, beside its permission set',
  family: 'SCOPE',
  requirements: [{ id: 'SCOPE-10', level: 'MUST' }],
  clientScope: APP_SCOPE,
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', body: 'blob' }],
  expect: { completes: true },
  explain: {
    tests: 'The World\'s permission set lists a blob permission, which a set can never grant. The client uploads an image; it must have requested blob:image/* in its own scope, beside the include:.',
    why: 'The AS expands only repo: and rpc: entries of a set; blob:, account: and identity: must be requested directly. A client that relies on the set gets 403 Missing required scope "blob:image/png" on every upload (chive-pub/chive#82).',
    fix: 'List blob:, account: and identity: permissions in the metadata scope and the request, next to the include:.',
  },
  tags: ['permissions'],
})
