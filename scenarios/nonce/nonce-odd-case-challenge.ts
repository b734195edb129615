import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'nonce-odd-case-challenge',
  title: 'Recognises a PDS nonce challenge written as dPoP error=use_dpop_nonce',
  family: 'NONCE',
  requirements: [{ id: 'NONCE-08', level: 'SHOULD' }],
  // Only a PDS with its own nonces challenges a client that holds the AS's nonce: self-hosted, the challenge
  // never comes and the scenario would pass without NONCE-08 being reached.
  topology: 'entryway',
  faults: { dpopNonce: { challengeStyle: 'odd-case' } },
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The PDS challenges with WWW-Authenticate: dPoP error=use_dpop_nonce (scheme in odd case, unquoted value), both allowed by RFC 7235.',
    why: 'Matching the exact string DPoP error="use_dpop_nonce" breaks on servers that format the header differently, and the user sees a 401.',
    fix: 'Parse WWW-Authenticate: compare the scheme case-insensitively and read auth-params in quoted or token form.',
  },
})
