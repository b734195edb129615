import { tryDecodeJws } from '../protocol/jws.ts'
import { param } from './check.ts'
import type { Exchange, Transcript } from '../model/transcript.ts'

/** The client's requests to the AS that carried a client assertion, with the assertion's jti. */
export function assertionRequests(t: Transcript): { ex: Exchange; jti?: string }[] {
  return t
    .exchanges({ actor: 'client' })
    .filter((e) => e.request.path.startsWith('/oauth/') && param(e, 'client_assertion') !== undefined)
    .map((ex) => {
      const jti = tryDecodeJws(param(ex, 'client_assertion')!)?.payload.jti
      return { ex, jti: typeof jti === 'string' ? jti : undefined }
    })
}
