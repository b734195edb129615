import { asRequests, defineCheck, describe, param } from '../../harness/check.ts'
import { fail, pass, skip } from '../../model/verdict.ts'

/** The text a state value decodes to, if it is base64url of printable text. */
function decoded(state: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(state)) return undefined
  const text = Buffer.from(state, 'base64url').toString('utf8')
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined
}

function commonPrefix(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

// Two random 256-bit states share this many leading characters with odds below 2^-90: a shared prefix is structure.
const PREFIX_LIMIT = 16

/**
 * STATE-03: state is a random reference to client-side storage, not the session data itself. Heuristic: a state
 * that decodes to JSON or carries the login hint, the redirect URI or the PKCE verifier holds data; states of
 * two logins that share a long prefix are an encoding, not random values.
 */
export const stateOpaque = defineCheck({
  id: 'state.opaque',
  requirement: { id: 'STATE-03', level: 'MUST' },
  title: 'state values are opaque random keys, not encoded session data',
  fix: 'Make state a random key into your own store of pending logins; keep verifiers, return URLs and user data out of it.',
  judge({ transcript }) {
    const pars = asRequests(transcript, '/oauth/par').filter((e) => param(e, 'state') !== undefined)
    if (pars.length === 0) return skip('the client sent no state at PAR')
    const verifiers = asRequests(transcript, '/oauth/token')
      .map((e) => param(e, 'code_verifier'))
      .filter((v): v is string => v !== undefined)
    for (const ex of pars) {
      const state = param(ex, 'state')!
      const text = decoded(state)
      const secrets = [param(ex, 'login_hint'), param(ex, 'redirect_uri'), ...verifiers].filter((s): s is string => !!s && s.length >= 8)
      const leaked = secrets.find((s) => state.includes(s) || text?.includes(s))
      let json = false
      try {
        json = text !== undefined && typeof JSON.parse(text) === 'object'
      } catch {
        json = false
      }
      if (json || leaked) {
        return fail({
          expected: 'state is a random key to the pending login, holding no data (SPEC "Summary of Authorization Flow")',
          observed: `state ${state.slice(0, 40)}… in ${describe(ex)} ${json ? `decodes to JSON: ${text!.slice(0, 80)}` : 'contains a value of the login (login hint, redirect URI or PKCE verifier)'}`,
          evidence: [ex.ref],
        })
      }
    }
    // One PAR per login (a nonce retry repeats the same state): compare the distinct values in order.
    const logins = [...new Map(pars.map((ex) => [param(ex, 'state')!, ex])).entries()]
    for (let i = 1; i < logins.length; i++) {
      const [[a, exA], [b, exB]] = [logins[i - 1]!, logins[i]!]
      if (commonPrefix(a, b) >= PREFIX_LIMIT) {
        return fail({
          expected: 'unrelated random state values across logins',
          observed: `the states of ${describe(exA)} and ${describe(exB)} share their first ${commonPrefix(a, b)} characters`,
          evidence: [exA.ref, exB.ref],
        })
      }
    }
    return pass(`${pars.length} state value(s)`)
  },
})
