import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'pds-call-with-nonce',
  title: 'Calls the PDS through its own DPoP nonce challenge (read and write)',
  family: 'RES',
  requirements: [
    { id: 'NONCE-02', level: 'MUST' },
    { id: 'RES-01', level: 'MUST' },
    { id: 'DPOP-06', level: 'MUST' },
    { id: 'NONCE-09', level: 'SHOULD' },
  ],
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'call' },
    { op: 'call', body: 'post' },
  ],
  expect: { completes: true },
  explain: {
    tests:
      'The first PDS request carries no PDS nonce (the entryway PDS has its own); the PDS answers 401 with WWW-Authenticate: DPoP error="use_dpop_nonce" and a DPoP-Nonce. The client must retry once with that nonce, an ath over the access token and the DPoP scheme, then write a record.',
    why: 'A client that treats the 401 nonce challenge as an expired token refreshes needlessly or logs the user out (FIELD-2).',
    fix: 'On a 401 whose WWW-Authenticate carries error="use_dpop_nonce", store the DPoP-Nonce for that origin and retry the same request once with a new proof.',
  },
})
