import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'pkce-required',
  title: 'Uses PKCE on every authorization request',
  family: 'PKCE',
  requirements: [{ id: 'PKCE-01', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'A PAR without code_challenge gets 400 invalid_request "Use of PKCE is required".',
    why: 'atproto makes PKCE mandatory for every client, public or confidential.',
    fix: 'Generate a fresh 43–128 character verifier per login and push its S256 challenge.',
  },
})
