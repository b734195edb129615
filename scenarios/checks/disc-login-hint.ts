import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** DISC-15: a login started from a handle or DID sends it as login_hint, without a leading `@`. */
export const discLoginHint = defineCheck({
  id: 'disc.login-hint',
  requirement: { id: 'DISC-15', level: 'SHOULD' },
  title: 'A login started from an account identifier sends login_hint',
  fix: 'When the user typed a handle or DID, send it as login_hint in PAR so the AS preselects the account.',
  judge({ transcript }) {
    const logins = transcript.entries.filter((e) => e.kind === 'note' && (e.data as { loginInput?: string } | undefined)?.loginInput)
    const accountLogins = logins.filter((n) => {
      const input = (n.kind === 'note' && (n.data as { loginInput: string }).loginInput) || ''
      return !input.startsWith('http')
    })
    if (accountLogins.length === 0) return skip('no login started from a handle or DID')
    const pars = asRequests(transcript, '/oauth/par').filter((e) => accountLogins.some((n) => n.step === e.step))
    for (const ex of pars) {
      const hint = param(ex, 'login_hint')
      if (!hint || hint.startsWith('@')) {
        return fail({
          expected: 'login_hint with the handle or DID the user typed (SPEC "Identity Authentication")',
          observed: `login_hint ${JSON.stringify(hint ?? null)} in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pars.length > 0 ? pass() : skip('no PAR followed a login from an account identifier')
  },
})
