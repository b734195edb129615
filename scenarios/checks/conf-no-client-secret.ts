import { defineCheck, describe } from '../../harness/check.ts'
import { fail, pass } from '../../model/verdict.ts'

/** CONF-08: atproto clients never send client_secret. */
export const confNoClientSecret = defineCheck({
  id: 'conf.no-client-secret',
  requirement: { id: 'CONF-08', level: 'SHOULD' },
  title: 'No request carries a client_secret',
  fix: 'Authenticate with private_key_jwt only; never send a client_secret.',
  judge({ transcript }) {
    const leaked = transcript.exchanges({ actor: 'client' }).find((e) => e.request.params?.client_secret !== undefined || /^basic /i.test(String(e.request.headers.authorization ?? '')))
    if (leaked) return fail({ expected: 'no client_secret and no Basic authentication (SPEC "Request Fields")', observed: `a client secret in ${describe(leaked)}`, evidence: [leaked.ref] })
    return pass()
  },
})
