import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'dpop-ath',
  title: 'Binds resource proofs to the access token with ath',
  family: 'DPOP',
  requirements: [{ id: 'DPOP-06', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }, { op: 'call', body: 'post' }],
  expect: { completes: true },
  explain: {
    tests: 'Every PDS request\'s proof must carry ath = BASE64URL(SHA-256(access token)); the PDS answers a missing or wrong ath with 401 invalid_dpop_proof \'DPoP "ath" mismatch\'. Proofs to the AS must not carry ath.',
    why: 'ath ties the proof to one token, so a stolen proof cannot be used with another token.',
    fix: 'Hash the exact access token string you put in the Authorization header and add it as ath on resource requests only.',
  },
})
