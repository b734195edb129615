import { fail, pass, skip } from '../../../model/verdict.ts'
import { setCookies, type BffCheck } from './shared.ts'

export const cookiePrefix: BffCheck = {
  id: 'bff.cookie-host-samesite',
  requirement: { id: 'BFF-07', level: 'SHOULD' },
  title: 'Session cookies use the __Host- prefix and SameSite Strict or Lax',
  fix: 'Name the session cookie with the __Host- prefix (Path=/, no Domain) and set SameSite=Lax or Strict.',
  judge({ transcript }) {
    const cookies = setCookies(transcript)
    if (cookies.length === 0) return skip('the backend set no cookie')
    for (const { cookie, ex } of cookies) {
      const sameSite = cookie.attributes.samesite?.toLowerCase()
      const problems = [
        ...(cookie.name.startsWith('__Host-') ? [] : ['no __Host- prefix']),
        ...(cookie.name.startsWith('__Host-') && (cookie.attributes.path !== '/' || 'domain' in cookie.attributes) ? ['__Host- without Path=/ or with Domain'] : []),
        ...(sameSite === 'strict' || sameSite === 'lax' ? [] : [`SameSite ${cookie.attributes.samesite ?? 'missing'}`]),
      ]
      if (problems.length > 0) {
        return fail({
          expected: 'cookies named __Host-… (Path=/, no Domain) with SameSite=Strict or Lax',
          observed: `cookie ${cookie.name}: ${problems.join(', ')} (${ex.ref})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass(`${cookies.length} cookie(s), all __Host- with SameSite Strict/Lax`)
  },
}
