import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'refresh-transient-5xx',
  title: 'Keeps the session when a refresh fails with 503',
  family: 'REFRESH',
  requirements: [{ id: 'REFRESH-05', level: 'SHOULD' }],
  faults: { failures: { refresh: { status: 503 } } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'refresh', mayFail: true }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The first refresh is answered 503 temporarily_unavailable before the AS did anything; the second succeeds. The session must survive the first failure.',
    why: 'Deleting the session on a transient error logs users out whenever the AS hiccups (FIELD-11, FIELD-21).',
    fix: 'Only a definitive rejection (400 invalid_grant) ends a session; treat 5xx, timeouts and network errors as transient.',
  },
})
