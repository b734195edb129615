import { defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/**
 * TOKEN-09/TOKEN-11: session secrets (tokens, codes' verifiers, refresh tokens) never appear in a URL and never
 * reach a server that has no business with them (identity services, the client host).
 */
export const tokenSecretsConfidential = defineCheck({
  id: 'token.secrets-confidential',
  requirement: { id: 'TOKEN-11', level: 'MUST' },
  alsoCovers: ['TOKEN-09'],
  title: 'Tokens and PKCE verifiers never appear in URLs or in requests to other servers',
  fix: 'Send tokens and code verifiers only in request bodies or headers to the server they belong to; never in URLs or to other hosts.',
  judge({ transcript }) {
    const secrets = new Map<string, string>()
    for (const ex of transcript.exchanges({ actor: 'client' })) {
      const body = responseJson(ex)
      for (const key of ['access_token', 'refresh_token']) {
        const v = body?.[key]
        if (typeof v === 'string' && v.length >= 16) secrets.set(v, `${key} from ${ex.ref}`)
      }
      const verifier = param(ex, 'code_verifier')
      if (verifier) secrets.set(verifier, `code_verifier sent in ${ex.ref}`)
    }
    if (secrets.size === 0) return skip('no token was issued')
    for (const ex of transcript.exchanges()) {
      if (ex.actor === 'authorization-server') continue
      const url = ex.request.url
      const elsewhere = ex.server === 'identity' || ex.server === 'client-host'
      for (const [secret, what] of secrets) {
        const inUrl = url.includes(secret) || url.includes(encodeURIComponent(secret))
        const leaked = elsewhere && JSON.stringify(ex.request).includes(secret)
        if (inUrl || leaked) {
          return fail({
            expected: 'secrets only in request bodies and headers to the AS and PDS (RFC 6749 §10.3, SPEC "Tokens and Session Lifetime")',
            observed: `the ${what} appears ${inUrl ? 'in the URL of' : 'in a request to the ' + ex.server + ':'} ${describe(ex)}`,
            evidence: [ex.ref],
          })
        }
      }
    }
    return pass(`${secrets.size} secret(s) kept out of URLs`)
  },
})
