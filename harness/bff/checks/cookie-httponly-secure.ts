import { fail, pass, skip } from '../../../model/verdict.ts'
import { setCookies, shown, type BffCheck } from './shared.ts'

export const cookieSecure: BffCheck = {
  id: 'bff.cookie-httponly-secure',
  requirement: { id: 'BFF-06', level: 'MUST' },
  title: 'Session cookies are HttpOnly and Secure',
  fix: 'Set HttpOnly and Secure on every session cookie so page scripts and plain-http requests never see it.',
  judge({ transcript }) {
    const cookies = setCookies(transcript)
    if (cookies.length === 0) return skip('the backend set no cookie')
    for (const { cookie, ex } of cookies) {
      const missing = ['httponly', 'secure'].filter((a) => !(a in cookie.attributes))
      if (missing.length > 0) {
        return fail({
          expected: 'every cookie the backend sets carries HttpOnly and Secure',
          observed: `cookie ${cookie.name} lacks ${missing.map((m) => (m === 'httponly' ? 'HttpOnly' : 'Secure')).join(' and ')}: ${shown(cookie)} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${cookies.length} cookie(s), all HttpOnly and Secure`, cookies.map((c) => c.ex.ref))
  },
}
