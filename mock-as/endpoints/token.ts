import { InvalidDpopProofError, InvalidGrantError, InvalidRequestError, OAuthError } from '../../protocol/errors.ts'
import { isValidVerifier, verifierMatches } from '../../protocol/pkce.ts'
import type { VerifiedProof } from '../../protocol/dpop.ts'
import type { ClientMetadata } from '../../protocol/client-id.ts'
import type { AuthServer } from '../auth-server.ts'
import { injectedServerError } from '../injected-error.ts'
import { LIFETIMES } from '../lifetimes.ts'
import type { TokenResponseFault } from '../faults.ts'
import { oauthHandler, stringParam } from '../http/oauth-handler.ts'
import { ids, type ClientAuth, type TokenSession } from '../store.ts'
import { assertCredentials } from '../clients.ts'
import { checkHandedOutFormat, checkTokenRequest } from './token-request.ts'
import { LexiconResolutionError } from '../permission-sets.ts'
import { buildTokenScope } from '../scopes.ts'

/** The response fault of a grant: `refreshResponse` for refreshes when set, else `tokenResponse`. */
function responseFault(as: AuthServer, grant: 'code' | 'refresh'): TokenResponseFault | undefined {
  const { tokenResponse: fault, refreshResponse } = as.deps.faults
  return grant === 'refresh' ? (refreshResponse ?? fault) : fault
}

/** Issues a new access token for a session and returns the token response, with the response fault seam. */
function tokenResponse(as: AuthServer, session: TokenSession, grant: 'code' | 'refresh'): Record<string, unknown> {
  const iat = Math.floor(as.deps.clock.now() / 1000)
  const accessToken = as.deps.tokens.sign({
    jti: session.accessTokenId,
    sub: session.sub,
    iat,
    exp: iat + LIFETIMES.accessTokenSeconds,
    aud: as.deps.pdsServiceDid(),
    cnf: { jkt: session.jkt },
    client_id: session.clientId,
    iss: as.issuer,
  })
  const fault = responseFault(as, grant)
  let issued = accessToken
  if (fault?.accessToken === 'opaque') {
    issued = ids.opaqueToken()
    as.store.opaqueAccessTokens.set(issued, accessToken)
  }
  const body: Record<string, unknown> = {
    access_token: issued,
    token_type: fault?.token_type ?? 'DPoP',
    refresh_token: session.refreshToken,
    scope: session.scope,
    expires_in: LIFETIMES.accessTokenSeconds,
    sub: fault?.sub === undefined ? session.sub : fault.sub,
  }
  if (body.sub === null) delete body.sub
  for (const key of fault?.omit ?? []) delete body[key]
  return body
}

/** The scope of a token response, and the permissions the PDS enforces for it. */
interface Grant {
  scope: string
  enforced: string
}

/**
 * The grant for an authorized request scope, recomputed at every token response (SCOPE-07, SCOPE-08): each
 * `include:` expanded from the AS's current copy of the set. A `scope` fault is what the AS really grants, so
 * the PDS enforces it too; `grantIncludeUnexpanded` changes only what the client is told.
 */
function computeGrant(as: AuthServer, requestScope: string, grant: 'code' | 'refresh'): Grant {
  const scope = responseFault(as, grant)?.scope ?? requestScope
  const enforced = buildTokenScope(scope, as.permissionSets)
  return { scope: as.deps.faults.permissions?.grantIncludeUnexpanded ? scope : enforced, enforced }
}

function startSession(
  as: AuthServer,
  args: { sub: string; client: ClientMetadata; auth: ClientAuth; jkt: string; requestScope: string; grant: Grant },
): TokenSession {
  const now = as.deps.clock.now()
  const life = args.auth.method === 'none' ? LIFETIMES.public : LIFETIMES.confidential
  const session: TokenSession = {
    id: ids.session(),
    sub: args.sub,
    clientId: args.client.client_id,
    clientAuth: args.auth,
    jkt: args.jkt,
    scope: args.grant.scope,
    requestScope: args.requestScope,
    enforcedScope: args.grant.enforced,
    accessTokenId: ids.tokenId(),
    refreshToken: ids.refreshToken(),
    createdAt: now,
    expiresAt: now + life.sessionMs,
    refreshExpiresAt: now + life.refreshMs,
    revoked: false,
  }
  as.store.sessions.set(session.id, session)
  as.store.refreshTokens.set(session.refreshToken, session.id)
  return session
}

/**
 * authorization_code grant, in the reference order (reference-wire.md §11.3): the code is consumed before the
 * client, DPoP key, PKCE and redirect_uri checks, so any of those failures burns it; a replay revokes the session.
 */
function exchangeCode(
  as: AuthServer,
  params: Record<string, unknown>,
  client: ClientMetadata,
  auth: ClientAuth,
  proof: VerifiedProof,
): Record<string, unknown> {
  const failure = as.takeFailure('code')
  if (failure && 'status' in failure && !failure.afterCommit) throw injectedServerError(failure.status)
  const code = stringParam(params, 'code') ?? ''
  checkHandedOutFormat(code, 'cod-', 'code')
  const entry = as.store.codes.get(code)
  if (!entry) throw new InvalidGrantError('Invalid code')
  if (entry.consumed) {
    const session = entry.sessionId ? as.store.sessions.get(entry.sessionId) : undefined
    if (session) as.store.revoke(session, 'authorization code replayed')
    throw new InvalidGrantError('Invalid code')
  }
  entry.consumed = true
  if (entry.expiresAt <= as.deps.clock.now()) throw new InvalidGrantError('Invalid code')
  const request = entry.request
  if (request.clientId !== client.client_id) throw new InvalidGrantError('Token was not issued to this client')
  if (request.dpopJkt !== undefined && request.dpopJkt !== proof.jkt) {
    throw new InvalidGrantError('DPoP proof does not match the expected JKT')
  }
  // redirect_uri before PKCE, as the reference's validateCodeGrant. Present: checkTokenRequest requires it
  // (RFC 6749 §4.1.3, the request always carried one).
  if (stringParam(params, 'redirect_uri') !== request.redirectUri) {
    throw new InvalidGrantError('The redirect_uri parameter must match the one used in the authorization request')
  }
  const verifier = stringParam(params, 'code_verifier')
  if (verifier === undefined) throw new InvalidGrantError('code_verifier is required')
  if (!isValidVerifier(verifier) || !verifierMatches(request.codeChallenge, verifier)) {
    throw new InvalidGrantError('Invalid code_verifier')
  }
  if (as.store.usedChallenges.has(request.codeChallenge)) throw new InvalidGrantError('Code challenge already used')
  as.store.usedChallenges.add(request.codeChallenge)
  let grant: Grant
  try {
    grant = computeGrant(as, request.scope, 'code')
  } catch (err) {
    // PAR-11: a set that no longer resolves fails the exchange after the code was spent (`createToken()`).
    if (err instanceof LexiconResolutionError) throw new InvalidRequestError(err.message)
    throw err
  }
  const session = startSession(as, { sub: entry.sub, client, auth, jkt: proof.jkt, requestScope: request.scope, grant })
  entry.sessionId = session.id
  const body = tokenResponse(as, session, 'code')
  // afterCommit: the code is spent and the session exists, but the client never sees the tokens (TOKEN-07).
  if (failure && 'status' in failure) throw injectedServerError(failure.status)
  return body
}

/**
 * refresh_token grant: rotation on every use; a rotated-out token, another key, another client or an expired
 * token each end the whole session (reference-wire.md §5, §11.3).
 */
function refresh(
  as: AuthServer,
  params: Record<string, unknown>,
  client: ClientMetadata,
  auth: ClientAuth,
  proof: VerifiedProof,
): Record<string, unknown> {
  const token = stringParam(params, 'refresh_token') ?? ''
  checkHandedOutFormat(token, 'ref-', 'refresh_token')
  const sessionId = as.store.refreshTokens.get(token)
  const session = sessionId ? as.store.sessions.get(sessionId) : undefined
  const failure = as.takeFailure('refresh')
  if (failure && 'error' in failure && session) as.store.revoke(session, 'revoked out of band (injected by the scenario)')
  if (failure && 'status' in failure && !failure.afterCommit) throw injectedServerError(failure.status)
  if (!session || session.revoked) throw new InvalidGrantError('Invalid refresh token')
  const end = (why: string): never => {
    as.store.revoke(session, why)
    throw new InvalidGrantError(why)
  }
  if (session.refreshToken !== token) end('Refresh token replayed')
  if (!client.grant_types.includes('refresh_token')) {
    throw new InvalidGrantError('"refresh_token" grant type is not allowed for this client')
  }
  if (session.clientId !== client.client_id) end('Token was not issued to this client')
  if (session.jkt !== proof.jkt) end('DPoP proof does not match the expected JKT')
  if (session.clientAuth.method !== auth.method || session.clientAuth.kid !== auth.kid) {
    end('The session was initiated with a different key than the client assertion currently used')
  }
  const now = as.deps.clock.now()
  if (session.expiresAt <= now || session.refreshExpiresAt <= now) end('Refresh token expired')
  const life = session.clientAuth.method === 'none' ? LIFETIMES.public : LIFETIMES.confidential
  session.refreshToken = ids.refreshToken()
  session.accessTokenId = ids.tokenId()
  session.refreshExpiresAt = Math.min(session.expiresAt, now + life.refreshMs)
  let grant: Grant
  try {
    grant = computeGrant(as, session.requestScope, 'refresh')
  } catch (err) {
    // The reference treats a set missing at refresh as a server error (`rotateToken()` source comment).
    if (err instanceof LexiconResolutionError) throw new OAuthError('server_error', err.message, 500)
    throw err
  }
  session.scope = grant.scope
  session.enforcedScope = grant.enforced
  as.store.refreshTokens.set(session.refreshToken, session.id)
  const body = tokenResponse(as, session, 'refresh')
  // afterCommit: the rotation happened, the response is lost (REFRESH-06).
  if (failure && 'status' in failure) throw injectedServerError(failure.status)
  return body
}

/**
 * POST /oauth/token, in the reference's order: a client_id and the request's shape, then DPoP (with nonce),
 * then client authentication and the grant.
 */
export function tokenEndpoint(as: AuthServer) {
  return oauthHandler(as.handlerDeps, async ({ req, params }) => {
    const early = as.deps.faults.clientAuthBeforeNonce ? await as.clients.authenticate(params, 'token') : undefined
    assertCredentials(params, 'token')
    checkTokenRequest(params)
    const proof = as.verifyDpop(req)
    if (!proof) throw new InvalidDpopProofError('DPoP proof required')
    const { client, auth } = early ?? (await as.clients.authenticate(params, 'token'))
    const grantType = stringParam(params, 'grant_type')
    if (grantType === 'authorization_code') return { body: exchangeCode(as, params, client, auth, proof) }
    if (grantType === 'refresh_token') {
      const body = refresh(as, params, client, auth, proof)
      // Fault `holdResponse.refresh`: the rotation is done; the answer waits for the scenario's `release` step.
      if (as.deps.faults.holdResponse?.refresh) await as.deps.holds.hold('refresh')
      return { body }
    }
    throw new InvalidGrantError(`Grant type ${JSON.stringify(grantType ?? '')} is not supported by the server`)
  })
}
