import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** LOOP-08: public clients do not ask for silent sign-in (`prompt=none`). */
export const loopNoPromptNone = defineCheck({
  id: 'loop.no-prompt-none',
  requirement: { id: 'LOOP-08', level: 'MUST' },
  title: 'Public clients never send prompt=none',
  fix: 'Do not send prompt=none from a public client: the AS does not grant it silent authorization; start an interactive login instead.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par').filter((e) => param(e, 'client_assertion') === undefined)
    if (pars.length === 0) return skip('no PAR from a public client')
    const silent = pars.find((e) => param(e, 'prompt') === 'none')
    if (silent) {
      return fail({
        expected: 'no prompt=none from a public client (reference: "Public clients are not allowed to use silent-sign-on")',
        observed: `prompt=none in ${describe(silent)}`,
        evidence: [silent.ref],
      })
    }
    return pass()
  },
})
