import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'conf-assertion-clock-ahead',
  title: 'Client assertions stay valid with a client clock 3 s ahead',
  family: 'CONF',
  requirements: [{ id: 'CONF-04', level: 'MUST' }],
  client: 'confidential',
  needs: ['clientClock'],
  steps: [
    { op: 'advanceClock', seconds: 3, client: 'only' },
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'refresh' },
  ],
  expect: { completes: true },
  explain: {
    tests: 'The confidential client\'s clock runs 3 s fast. The reference AS has zero tolerance for a client assertion iat in the future, so the client must back-date or correct its iat (e.g. from the Date header) at PAR, token and refresh.',
    why: 'Server fleets drift by seconds; an assertion signed "now" by a slightly fast clock is refused with invalid_client and the login fails for no visible reason (FIELD-76).',
    fix: 'Compute iat from a clock corrected by the AS\'s Date header, or back-date it by a few seconds (exp stays short).',
  },
})
