import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'public-no-silent-sign-in',
  title: 'A public client never asks for silent sign-in',
  family: 'LOOP',
  requirements: [
    { id: 'LOOP-08', level: 'MUST' },
    { id: 'LOOP-04', level: 'MUST' },
  ],
  steps: [{ op: 'authorize' }, { op: 'callback' }],
  expect: { completes: true },
  explain: {
    tests: 'PAR from a public (loopback) client must not carry prompt=none (check loop.no-prompt-none); the reference AS answers it with 400 "Public clients are not allowed to use silent-sign-on".',
    why: 'Silent sign-in is reserved for confidential clients in atproto; a public client trying it gets an error instead of a login.',
    fix: 'Send prompt=none only as a confidential client; public clients always show the consent page.',
  },
})
