import { defineScenario } from '../../harness/scenario.ts'

export default defineScenario({
  id: 'as-metadata-not-json',
  title: 'Refuses AS metadata served as text/html',
  family: 'DISC',
  requirements: [{ id: 'DISC-08', level: 'MUST' }],
  faults: { asMetadata: { response: { contentType: 'text/html; charset=utf-8' } } },
  steps: [{ op: 'authorize' }],
  expect: { failsAt: 'authorize', forbidden: ['POST /oauth/par'] },
  explain: {
    tests: 'The AS metadata body is the usual JSON, but the Content-Type is text/html. The client must refuse it (a JSON content type is required) and never send PAR.',
    why: 'A JSON document under an HTML content type is what a misconfigured or hijacked host serves (an error page, a captive portal, an uploaded file); trusting it lets that host name the endpoints.',
    fix: 'Check Content-Type is application/json (or +json) before parsing the metadata; refuse anything else.',
  },
})
