import { asRequests, defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import type { Transcript } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** The AS metadata documents the client fetched (the last one wins: what it knew at its next PAR). */
function advertised(transcript: Transcript, field: string): { list: string[] | undefined; fetched: boolean } {
  const docs = transcript
    .exchanges({ actor: 'client' })
    .filter((e) => e.request.path === '/.well-known/oauth-authorization-server' && e.response.status === 200)
    .map((e) => responseJson(e))
    .filter((d): d is Record<string, unknown> => d !== undefined)
  const last = docs.at(-1)
  const value = last?.[field]
  return { list: Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined, fetched: last !== undefined }
}

const OIDC_PARAMS = ['nonce', 'claims', 'id_token_hint', 'authorization_details'] as const

/** PAR-09: atproto is not OpenID Connect; the reference AS refuses these parameters. */
export const parNoOidcParams = defineCheck({
  id: 'par.no-oidc-params',
  requirement: { id: 'PAR-09', level: 'MUST' },
  title: 'PAR carries no OpenID Connect parameters (nonce, claims, id_token_hint, openid scope) and no authorization_details',
  fix: 'Leave OpenID Connect parameters (nonce, claims, id_token_hint, the openid scope) and authorization_details out of PAR.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par')
    if (pars.length === 0) return skip('the client sent no PAR request')
    for (const ex of pars) {
      const sent = OIDC_PARAMS.filter((p) => param(ex, p) !== undefined)
      const openid = (param(ex, 'scope') ?? '').split(' ').includes('openid')
      if (sent.length > 0 || openid) {
        return fail({
          expected: 'no nonce, claims, id_token_hint or authorization_details and no openid scope (reference: 400 invalid_request "Unsupported \\"nonce\\" parameter")',
          observed: `${[...sent, ...(openid ? ['scope openid'] : [])].join(', ')} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${pars.length} PAR request(s)`)
  },
})

/** PAR-10: a `prompt` value only from `prompt_values_supported`. */
export const parPromptAdvertised = defineCheck({
  id: 'par.prompt-advertised',
  requirement: { id: 'PAR-10', level: 'SHOULD' },
  title: 'PAR sends prompt only with a value the AS lists in prompt_values_supported',
  fix: 'Send prompt only with a value the AS metadata lists in prompt_values_supported; otherwise leave it out.',
  judge({ transcript }) {
    const prompted = asRequests(transcript, '/oauth/par').filter((e) => param(e, 'prompt') !== undefined)
    if (prompted.length === 0) return skip('the client sent no prompt')
    const { list } = advertised(transcript, 'prompt_values_supported')
    for (const ex of prompted) {
      const value = param(ex, 'prompt')!
      if (!list?.includes(value)) {
        return fail({
          expected: `a prompt listed in prompt_values_supported (${list ? list.join(' ') : 'the AS lists none'})`,
          observed: `prompt=${value} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${prompted.length} prompt(s), all advertised`)
  },
})

/** STATE-11: a `response_mode` only from `response_modes_supported` (RFC 8414 §2: omitted means query, fragment). */
export const stateResponseModeAdvertised = defineCheck({
  id: 'state.response-mode-advertised',
  requirement: { id: 'STATE-11', level: 'SHOULD' },
  title: 'PAR asks for a response_mode the AS lists in response_modes_supported',
  fix: 'Ask only for a response_mode the AS metadata lists in response_modes_supported, or leave it out.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par').filter((e) => param(e, 'response_mode') !== undefined)
    if (pars.length === 0) return skip('the client sent no response_mode (query by default)')
    const { list, fetched } = advertised(transcript, 'response_modes_supported')
    if (!fetched) return skip('the client fetched no AS metadata in this scenario')
    const offered = list ?? ['query', 'fragment']
    for (const ex of pars) {
      const mode = param(ex, 'response_mode')!
      if (!offered.includes(mode)) {
        return fail({
          expected: `a response_mode from response_modes_supported (${offered.join(' ')})`,
          observed: `response_mode=${mode} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`response_mode ${[...new Set(pars.map((e) => param(e, 'response_mode')))].join(', ')}`)
  },
})
