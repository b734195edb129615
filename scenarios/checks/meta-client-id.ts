import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import type { Exchange, Transcript } from '../../model/transcript.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** The discoverable (https) client_id values the client sent to the AS, with the first request of each. */
function discoverableIds(transcript: Transcript): Map<string, Exchange> {
  const out = new Map<string, Exchange>()
  for (const ex of asRequests(transcript)) {
    const id = param(ex, 'client_id')
    if (id?.startsWith('https://') && !out.has(id)) out.set(id, ex)
  }
  return out
}

/** Why a discoverable client_id is not in the form the AS compares as a plain string, or undefined. */
export function clientIdProblem(id: string): string | undefined {
  let url: URL
  try {
    url = new URL(id)
  } catch {
    return 'is not a URL'
  }
  if (url.href !== id) return `is not in canonical form (a URL parser makes it ${url.href})`
  if (url.pathname === '/') return 'has the path /'
  if (url.pathname.endsWith('/')) return 'ends with a slash'
  if (url.hash !== '' || id.includes('#')) return 'has a fragment'
  if (url.username !== '' || url.password !== '') return 'has a user name or password'
  if (/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname.startsWith('[')) return 'has an IP-literal host'
  return undefined
}

/** META-16: a discoverable client_id in canonical form, with a real path, no fragment, credentials or IP host. */
export const metaClientIdForm = defineCheck({
  id: 'meta.client-id-form',
  requirement: { id: 'META-16', level: 'MUST' },
  title: 'A discoverable client_id is a canonical https URL with a path, and no fragment, credentials or IP host',
  fix: 'Use an https client_id URL with a domain host and a path (e.g. https://app.example/oauth-client-metadata.json), without fragment or credentials.',
  judge({ transcript }) {
    const ids = discoverableIds(transcript)
    if (ids.size === 0) return skip('no discoverable client_id (loopback client)')
    for (const [id, ex] of ids) {
      const why = clientIdProblem(id)
      if (why) {
        return fail({
          expected: 'a client_id like https://app.example/oauth-client-metadata.json, already in canonical URL form',
          observed: `client_id ${id} ${why} (${describe(ex)})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass([...ids.keys()].join(', '))
  },
})

/** META-17 (MAY): the conventional location lets the consent screen show just the host name. */
export const metaConventionalLocation = defineCheck({
  id: 'meta.conventional-location',
  requirement: { id: 'META-17', level: 'MAY' },
  title: 'Client metadata at the conventional https://<host>/oauth-client-metadata.json (optional)',
  fix: 'Consider serving the metadata at https://<host>/oauth-client-metadata.json, the conventional location.',
  judge({ transcript }) {
    const ids = discoverableIds(transcript)
    if (ids.size === 0) return skip('no discoverable client_id (loopback client)')
    for (const [id, ex] of ids) {
      const url = new URL(id)
      if (url.pathname !== '/oauth-client-metadata.json' || url.search !== '' || url.port !== '') {
        return fail({
          expected: 'optional: https://<host>/oauth-client-metadata.json, so the reference consent screen shows only the host name',
          observed: `client_id ${id} (${describe(ex)})`,
          evidence: [ex.ref],
        })
      }
    }
    return pass()
  },
})
