import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-fresh-jti',
  title: 'Signs a new proof with a new jti for every request, nonce retries included',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-05', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'refresh' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'PAR, token and the first PDS call are each challenged for a nonce; every retry must carry a new proof with a new jti (the reference AS answers a replayed proof with 401 "DPoP proof replayed").',
    why: 'A proof is single-use; caching one and re-sending it with only the nonce changed is the most common DPoP bug after nonce handling.',
    fix: 'Build and sign a fresh proof (random jti, current iat) for each HTTP request, including the retry.',
  },
})
