import { headerValue, type Exchange, type Transcript } from '../model/transcript.ts'
import { responseJson } from './check.ts'

/**
 * Whether a response is a DPoP nonce challenge: AS 400 `use_dpop_nonce` or RS 401 with the challenge.
 * `canonical` accepts only the usual spelling (`error="use_dpop_nonce"`, quoted), which NONCE-01/02 are about;
 * other spellings RFC 7235 allows are NONCE-08's business.
 */
export function isNonceChallenge(ex: Exchange, options: { canonical?: boolean } = {}): boolean {
  if (ex.response.status === 400 && responseJson(ex)?.error === 'use_dpop_nonce') return true
  const www = headerValue(ex.response.headers, 'www-authenticate') ?? ''
  const param = options.canonical ? /error="use_dpop_nonce"/ : /error="?use_dpop_nonce"?/
  return ex.response.status === 401 && /^dpop\b/i.test(www) && param.test(www)
}

/** The client's DPoP requests grouped by server origin, in order. */
export type ProofExchange = Exchange & { dpop: NonNullable<Exchange['dpop']> }

export function dpopRequestsByOrigin(t: Transcript): Map<string, ProofExchange[]> {
  const out = new Map<string, ProofExchange[]>()
  for (const ex of t.withDpopProof()) {
    const origin = new URL(ex.request.url).origin
    out.set(origin, [...(out.get(origin) ?? []), ex])
  }
  return out
}
