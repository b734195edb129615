import { fail, pass, skip } from '../../../model/verdict.ts'
import { locationOf } from '../frontend.ts'
import { backendExchanges, base, type BffCheck } from './shared.ts'

export const noOpenRedirect: BffCheck = {
  id: 'bff.no-open-redirect',
  requirement: { id: 'BFF-10', level: 'MUST' },
  title: 'The backend redirects only to the AS, itself and the registered frontend redirect',
  fix: 'Redirect only to the AS authorization URL, your own paths and the registered frontend redirect; never to a URL taken from the request.',
  judge({ transcript, declaration, issuer, publicUrl }) {
    const redirects = backendExchanges(transcript).filter((e) => locationOf(e))
    if (redirects.length === 0) return skip('the backend sent no redirect')
    const frontend = base(new URL(declaration.frontend.redirectUri))
    for (const ex of redirects) {
      const target = new URL(locationOf(ex)!, publicUrl)
      const ok = target.origin === new URL(issuer).origin || target.origin === new URL(publicUrl).origin || base(target) === frontend
      if (!ok) {
        return fail({
          expected: `redirects only to the AS, the backend itself or ${declaration.frontend.redirectUri}`,
          observed: `the backend redirected to ${base(target)} (${ex.request.method} ${ex.request.path}, ${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${redirects.length} redirect(s), all to allowed targets`)
  },
}
