import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'meta-scope-declared-too-late',
  title: 'Surfaces the refusal of a scope it declared moments ago, while the AS still holds the old metadata',
  family: 'META',
  requirements: [
    { id: 'META-18', level: 'SHOULD' },
    { id: 'SCOPE-02', level: 'MUST' },
  ],
  client: 'confidential',
  steps: [
    { op: 'authorize' },
    { op: 'callback' },
    { op: 'declareScope', scope: 'transition:email' },
    { op: 'authorize', scope: 'atproto transition:generic transition:email' },
  ],
  expect: {
    failsAt: 'authorize',
    nth: 2,
    atMost: { 'POST /oauth/par': 2 },
    // The AS's own words, or a client's own check against the metadata it was built with (which the step does not
    // rebuild): either way the app learns that the client metadata is the cause, not "login failed".
    message: 'client metadata',
  },
  explain: {
    tests: 'After a first login the AS holds the client\'s metadata document (the reference keeps it 10 min). The client\'s operator then deploys metadata that also declares transition:email, and the app asks for it at once. The AS still judges the request by its cached copy: 400 invalid_scope "Scope "transition:email" is not declared in the client metadata" (BP-118). The client must report an error that names the client metadata as the cause and not send the PAR again.',
    why: 'An immediate retry meets the same cached copy, so a retry loop only hammers the AS, and a generic "login failed" hides that the cause is a deploy order the operator can fix.',
    fix: 'Deploy new scopes (and keys) first and use them only after the AS\'s cache interval (10 min at the reference); surface the PAR error_description and do not retry a 400 at once.',
  },
})
