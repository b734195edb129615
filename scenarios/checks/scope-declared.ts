import { asRequests, defineCheck, describe, param, responseJson } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** The scope a client declares: the loopback client_id's scope parameter, or its metadata document's scope. */
function declaredScope(clientId: string, documents: Map<string, string>): string | undefined {
  if (clientId.startsWith('http://localhost')) {
    try {
      return new URL(clientId).searchParams.get('scope') ?? 'atproto'
    } catch {
      return undefined
    }
  }
  return documents.get(clientId)
}

/** SCOPE-02: requested scopes are a subset of those the client declared. */
export const scopeDeclared = defineCheck({
  id: 'scope.declared',
  requirement: { id: 'SCOPE-02', level: 'MUST' },
  title: 'The client requests only scopes it declared in its client_id or metadata',
  fix: 'Request only scopes listed in your client metadata scope (or the loopback client_id\'s scope parameter); declare new ones there first.',
  judge({ transcript }) {
    // What the client declares at each PAR: the latest document fetched from its host, or deployed by a step
    // (`declareScope`, whose new document an AS with a cached copy may not have fetched yet, META-18).
    const documents = new Map<string, string>()
    const pars = new Set(asRequests(transcript, '/oauth/par'))
    if (pars.size === 0) return skip('the client sent no PAR request')
    for (const entry of transcript.entries) {
      if (entry.kind === 'note') {
        const deployed = (entry.data as { deployed?: { client_id?: unknown; scope?: unknown } } | undefined)?.deployed
        if (typeof deployed?.client_id === 'string' && typeof deployed.scope === 'string') documents.set(deployed.client_id, deployed.scope)
        continue
      }
      if (entry.kind !== 'http') continue
      if (entry.server === 'client-host') {
        const doc = responseJson(entry)
        if (typeof doc?.client_id === 'string' && typeof doc.scope === 'string') documents.set(doc.client_id, doc.scope)
        continue
      }
      if (!pars.has(entry)) continue
      const ex = entry
      const declared = declaredScope(param(ex, 'client_id') ?? '', documents)
      if (declared === undefined) continue
      const undeclared = (param(ex, 'scope') ?? '').split(' ').filter((s) => s && !declared.split(' ').includes(s))
      if (undeclared.length > 0) {
        return fail({
          expected: `only scopes declared by the client ("${declared}")`,
          observed: `undeclared ${undeclared.join(', ')} requested in ${describe(ex)}`,
          evidence: [ex.ref],
        })
      }
    }
    return pass()
  },
})
