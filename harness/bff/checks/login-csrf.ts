import { fail, pass, skip } from '../../../model/verdict.ts'
import { locationOf } from '../frontend.ts'
import { backendExchanges, grants, setCookies, type BffCheck } from './shared.ts'

export const loginCsrf: BffCheck = {
  id: 'bff.login-csrf',
  requirement: { id: 'BFF-09', level: 'MUST' },
  title: 'An authorization response is accepted only in the browser that started the login',
  fix: 'Bind each login to the browser that started it (a cookie holding the state) and refuse a callback whose state that browser did not start.',
  judge({ transcript, scenario, declaration }) {
    const steps = scenario.steps.flatMap((s, i) => (s.op === 'crossCallback' ? [i] : []))
    if (steps.length === 0) return skip('the scenario delivers no foreign authorization response')
    for (const i of steps) {
      const exchanged = grants(transcript, 'authorization_code', i)
      const answers = backendExchanges(transcript, i)
      const handedOver = answers.find((e) => {
        if (declaration.session.carrier === 'cookie') {
          const name = declaration.session.name
          return setCookies(transcript).some((c) => c.ex === e && c.cookie.name === name)
        }
        const location = locationOf(e)
        return !!location && location.includes(`${declaration.session.param}=`)
      })
      if (exchanged.length > 0 || handedOver) {
        return fail({
          expected: 'the backend refuses an authorization response this browser did not start: no code exchange, no session',
          observed: [
            ...exchanged.map((e) => `it exchanged the code (${e.ref})`),
            ...(handedOver ? [`it handed this browser a session (${handedOver.ref})`] : []),
          ].join('; '),
          evidence: [...exchanged.map((e) => e.ref), ...(handedOver ? [handedOver.ref] : [])],
        })
      }
    }
    return pass('the foreign authorization response was refused before the code exchange')
  },
}
