import type { AuthServer } from '../auth-server.ts'
import { injectedServerError } from '../injected-error.ts'
import { oauthHandler, stringParam } from '../http/oauth-handler.ts'
import type { TokenSession } from '../store.ts'
import { assertCredentials } from '../clients.ts'
import { checkRevokeRequest } from './token-request.ts'

function findSession(as: AuthServer, token: string): TokenSession | undefined {
  const byRefresh = as.store.refreshTokens.get(token)
  if (byRefresh) return as.store.sessions.get(byRefresh)
  // The reference also finds a session by the authorization code it was issued for (tokenManager.findToken).
  const byCode = as.store.codes.get(token)?.sessionId
  if (byCode) return as.store.sessions.get(byCode)
  const claims = as.deps.tokens.verify(token)
  return claims ? as.store.sessionByAccessTokenId(claims.jti) : undefined
}

/**
 * POST /oauth/revoke (RFC 7009): always 200 `{}` once the client and any proof pass. A DPoP-bound session is
 * revoked only when the request carries a proof from the bound key; otherwise nothing happens (reference §7).
 */
export function revokeEndpoint(as: AuthServer) {
  return oauthHandler(as.handlerDeps, async ({ req, params }) => {
    const early = as.deps.faults.clientAuthBeforeNonce ? await as.clients.authenticate(params, 'revoke') : undefined
    assertCredentials(params, 'revoke')
    checkRevokeRequest(params)
    const proof = as.verifyDpop(req)
    const { client } = early ?? (await as.clients.authenticate(params, 'revoke'))
    const failure = as.takeFailure('revoke')
    if (failure && 'status' in failure) throw injectedServerError(failure.status)
    const token = stringParam(params, 'token') as string
    const session = findSession(as, token)
    if (session && session.clientId === client.client_id && proof?.jkt === session.jkt) {
      as.store.revoke(session, 'revoked by the client')
    }
    return { body: {} }
  })
}
