import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'loopback-client-id',
  title: 'Encodes redirect_uri and scope into the loopback client_id',
  family: 'LOOP',
  requirements: [
    { id: 'LOOP-01', level: 'MUST' },
    { id: 'LOOP-03', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call', body: 'post' }],
  expect: { completes: true },
  explain: {
    tests: 'A development client uses client_id http://localhost?redirect_uri=…&scope=…; the AS derives its metadata from that URL, so every scope beyond atproto and the exact redirect URI must be in it (the AS answers an undeclared scope with invalid_scope).',
    why: 'A bare http://localhost only allows scope atproto and the default redirect URIs http://127.0.0.1/ and http://[::1]/ (FIELD-25, FIELD-26).',
    fix: 'Build the client_id from your real redirect URI and the scopes you will request, URL-encoded.',
  },
})
