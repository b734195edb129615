import { defineCheck } from '../../harness/check.ts'
import { followTrails, type Trail } from '../../harness/token-trail.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

function freshPer(
  key: (t: Trail) => string | undefined,
  what: string,
): (trails: Trail[]) => ReturnType<typeof pass> | undefined {
  return (trails) => {
    const seen = new Map<string, Trail>()
    for (const t of trails) {
      const k = key(t)
      if (!k) continue
      const earlier = seen.get(k)
      if (earlier) {
        return fail({
          expected: `a new ${what} for every login`,
          observed: `the ${what} of the login started in ${earlier.par!.ref} used again in ${t.par!.ref}`,
          evidence: [earlier.par!.ref, t.par!.ref],
        })
      }
      seen.set(k, t)
    }
    return undefined
  }
}

/** DPOP-01: each login gets a new DPoP key. */
export const dpopKeyPerLogin = defineCheck({
  id: 'dpop.key-per-login',
  requirement: { id: 'DPOP-01', level: 'MUST' },
  title: 'Every login uses a newly generated DPoP key',
  fix: 'Generate a new DPoP key pair for every login; never share one key across sessions or users.',
  judge({ transcript }) {
    const trails = followTrails(transcript).filter((t) => t.parJkt)
    if (trails.length < 2) return skip('fewer than two logins with a PAR proof')
    return freshPer((t) => t.parJkt, 'DPoP key')(trails) ?? pass(`${trails.length} logins, ${trails.length} keys`)
  },
})

/** PKCE-04: each login gets a new PKCE pair (a reused challenge fails at the reference AS). */
export const pkceFreshChallenge = defineCheck({
  id: 'pkce.fresh-challenge',
  requirement: { id: 'PKCE-04', level: 'MUST' },
  title: 'Every login uses a new code_challenge',
  fix: 'Generate a new random code_verifier (32+ bytes) for every login; never reuse one across logins.',
  judge({ transcript }) {
    const trails = followTrails(transcript).filter((t) => t.codeChallenge)
    if (trails.length < 2) return skip('fewer than two logins')
    return freshPer((t) => t.codeChallenge, 'code_challenge')(trails) ?? pass(`${trails.length} logins, ${trails.length} challenges`)
  },
})
