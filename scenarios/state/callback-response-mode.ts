import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'callback-response-mode',
  title: 'Reads code, state and iss from the response mode it asked for, URL-decoded',
  family: 'STATE',
  requirements: [{ id: 'STATE-08', level: 'MUST' }],
  steps: [{ op: 'authorize' }, { op: 'callback' }, { op: 'call' }],
  expect: { completes: true },
  explain: {
    tests: 'The AS answers in the response mode the client requested at PAR (query by default, fragment or form_post if it asked), and the user agent delivers it that way: in the query, in the fragment (percent-encoded, the iss URL included) or as a posted form. The client must read the parameters from there and decode them before comparing iss with the issuer.',
    why: 'The official browser client uses fragment mode by default; a hand-rolled fragment parser that skips decoding compares "http%3A%2F%2F…" with the issuer and refuses every login, or worse, loosens the comparison (FIELD-67).',
    fix: 'Parse the fragment with URLSearchParams (which decodes), the query likewise, and a form_post body as a form.',
  },
})
