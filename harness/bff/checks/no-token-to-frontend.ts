import { fail, pass, skip } from '../../../model/verdict.ts'
import { locationOf } from '../frontend.ts'
import { backendExchanges, mintedTokens, sentToFrontend, type BffCheck } from './shared.ts'

export const noTokenToFrontend: BffCheck = {
  id: 'bff.no-token-to-frontend',
  requirement: { id: 'BFF-01', level: 'MUST' },
  title: 'No atproto access or refresh token reaches the frontend',
  fix: 'Keep atproto access and refresh tokens on the backend; hand the frontend only its own session credential and the data it asked for.',
  judge({ transcript }) {
    const minted = mintedTokens(transcript)
    if (minted.size === 0) return skip('the AS issued no tokens')
    const answers = backendExchanges(transcript)
    for (const ex of answers) {
      const haystack = sentToFrontend(ex)
      for (const [value, token] of minted) {
        if (haystack.includes(value)) {
          const where = locationOf(ex)?.includes(value) ? 'in the redirect URL' : JSON.stringify(ex.response.headers).includes(value) ? 'in a header' : 'in the body'
          return fail({
            expected: 'the tokens stay in the backend; the frontend holds only a session with it',
            observed: `the backend sent the ${token.kind} the AS issued at ${token.ref} to the frontend ${where} (${ex.request.method} ${ex.request.path}, ${ex.ref})`,
            evidence: [token.ref, ex.ref],
          })
        }
      }
    }
    return pass(`none of the ${minted.size} token values the AS issued appears in the ${answers.length} answers to the frontend`)
  },
}
