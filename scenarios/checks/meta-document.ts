import { defineCheck, responseJson } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** META-03/04/09: the client metadata document the client published, as the AS fetched it. */
export const metaDocument = defineCheck({
  id: 'meta.document',
  requirement: { id: 'META-03', level: 'MUST' },
  title: 'The published client metadata declares DPoP-bound tokens, the atproto scope and one key source',
  fix: 'Publish client metadata with dpop_bound_access_tokens true, atproto in scope and, for a confidential client, exactly one of jwks or jwks_uri.',
  judge({ transcript }) {
    const fetched = transcript
      .exchanges({ server: 'client-host' })
      .filter((e) => e.response.status === 200 && e.request.path.endsWith('client-metadata.json'))
    if (fetched.length === 0) return skip('no client metadata document was fetched (loopback client)')
    for (const ex of fetched) {
      const doc = responseJson(ex)
      const problems: string[] = []
      if (!doc) problems.push('not a JSON object')
      else {
        if (doc.dpop_bound_access_tokens !== true) problems.push(`dpop_bound_access_tokens is ${JSON.stringify(doc.dpop_bound_access_tokens)}`)
        if (typeof doc.scope !== 'string' || !doc.scope.split(' ').includes('atproto')) problems.push('scope lacks "atproto"')
        if (doc.client_id !== ex.request.url.split('?')[0]) problems.push(`client_id ${JSON.stringify(doc.client_id)} is not the document URL`)
        if (doc.token_endpoint_auth_method === 'private_key_jwt' && (doc.jwks === undefined) === (doc.jwks_uri === undefined)) {
          problems.push('needs exactly one of jwks and jwks_uri')
        }
      }
      if (problems.length > 0) {
        return fail({
          expected: 'dpop_bound_access_tokens: true, a scope with atproto, client_id = the document URL, one of jwks/jwks_uri (SPEC "Client ID Metadata Document")',
          observed: `${problems.join('; ')} in the document served at ${ex.request.url} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass()
  },
})
