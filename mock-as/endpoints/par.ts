import type { ClientMetadata } from '../../protocol/client-id.ts'
import { redirectUriMatches } from '../../protocol/client-id.ts'
import { parseDpopJkt } from '../../protocol/dpop.ts'
import {
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  OAuthError,
} from '../../protocol/errors.ts'
import type { AuthServer } from '../auth-server.ts'
import { injectedServerError } from '../injected-error.ts'
import { overrideDocument } from '../faults.ts'
import { advertisedMetadata } from './metadata.ts'
import { LIFETIMES } from '../lifetimes.ts'
import { oauthHandler, stringParam } from '../http/oauth-handler.ts'
import { ids, type PushedRequest } from '../store.ts'
import type { BodyRequest } from '../../model/body.ts'
import { authenticateClient, parseReferencePar, referencePushedRequest } from './par-reference.ts'
import { LexiconResolutionError } from '../permission-sets.ts'
import { keptRequestScope, resolveIncludes } from '../scopes.ts'

const RESPONSE_MODES = ['query', 'fragment', 'form_post']

/**
 * Validates the authorization request parameters (RFC 9126 §2.1 + atproto rules) and stores the request.
 * Shared by PAR and, in the reference profile, by a direct (non-PAR) authorize request.
 */
export function createPushedRequest(
  as: AuthServer,
  client: ClientMetadata,
  params: Record<string, unknown>,
  boundJkt: string | undefined,
): PushedRequest {
  const responseType = stringParam(params, 'response_type')
  if (responseType !== 'code') {
    throw new OAuthError('unsupported_response_type', `Unsupported response_type ${JSON.stringify(responseType ?? '')}`)
  }
  const redirectUri = resolveRedirectUri(client, stringParam(params, 'redirect_uri'))
  const codeChallenge = stringParam(params, 'code_challenge')
  const method = stringParam(params, 'code_challenge_method')
  if (!codeChallenge) throw new InvalidRequestError('Use of PKCE is required')
  if (method !== 'S256') throw new InvalidRequestError('atproto requires use of "S256" code_challenge_method')
  const scope = stringParam(params, 'scope')
  const scopes = scope ? scope.split(' ').filter(Boolean) : []
  if (!scopes.includes('atproto')) throw new InvalidScopeError('The "atproto" scope is required')
  const declared = client.scope.split(' ')
  for (const s of scopes) {
    if (!declared.includes(s)) throw new InvalidScopeError(`Scope "${s}" is not declared in the client metadata`)
  }
  // Reference request-manager validate(): OpenID Connect parameters are refused by name (PAR-09).
  for (const name of ['nonce', 'claims', 'id_token_hint']) {
    if (params[name] !== undefined) throw new InvalidRequestError(`Unsupported "${name}" parameter`)
  }
  if (params.authorization_details !== undefined) {
    throw new OAuthError('invalid_authorization_details', 'Unsupported authorization_details type')
  }
  const kept = keptRequestScope(scopes, as.deps.profile.refuseUnparsableScopes)
  // PAR-11: every permission set must resolve now; the resolver's message is the error description.
  try {
    resolveIncludes(kept, as.permissionSets)
  } catch (err) {
    if (err instanceof LexiconResolutionError) throw new InvalidScopeError(err.message)
    throw err
  }
  const responseMode = stringParam(params, 'response_mode') ?? 'query'
  // The modes this AS advertises (a profile may list fewer, like the perlsky PDS's ["query"]).
  const advertised = advertisedMetadata(as).response_modes_supported
  const modes = Array.isArray(advertised) ? RESPONSE_MODES.filter((m) => advertised.includes(m)) : RESPONSE_MODES
  if (!modes.includes(responseMode)) throw new InvalidRequestError(`Unsupported response_mode "${responseMode}"`)
  if (stringParam(params, 'prompt') === 'none' && client.token_endpoint_auth_method === 'none') {
    throw new InvalidRequestError('Public clients are not allowed to use silent-sign-on')
  }
  const loginHint = stringParam(params, 'login_hint')
  const request: PushedRequest = {
    requestUri: ids.requestUri(),
    clientId: client.client_id,
    client,
    redirectUri,
    state: stringParam(params, 'state'),
    scope: kept,
    codeChallenge,
    loginHint,
    responseMode,
    dpopJkt: boundJkt,
    expiresAt: as.deps.clock.now() + LIFETIMES.parSeconds * 1000,
    used: false,
  }
  as.store.requests.set(request.requestUri, request)
  return request
}

function resolveRedirectUri(client: ClientMetadata, requested: string | undefined): string {
  if (requested === undefined) {
    // reference §11.7: omitted redirect_uri is fine when exactly one is registered.
    if (client.redirect_uris.length === 1) return client.redirect_uris[0]!
    throw new InvalidRequestError('redirect_uri is required')
  }
  let url: URL
  try {
    url = new URL(requested)
  } catch {
    throw new InvalidRequestError(`Invalid redirect_uri ${requested}`)
  }
  if (url.protocol === 'http:' && url.hostname === 'localhost') {
    throw new InvalidRequestError(
      'Invalid authorization request: Use of "localhost" hostname is not allowed (RFC 8252), use a loopback IP such as "127.0.0.1" instead at body.redirect_uri',
    )
  }
  if (!client.redirect_uris.some((r) => redirectUriMatches(r, requested))) {
    throw new InvalidRequestError(`Invalid redirect_uri ${requested}`)
  }
  return requested
}

/**
 * POST /oauth/par (RFC 9126). Reference profile: the reference's order (par-reference.ts), schema checks,
 * then the DPoP proof, then client authentication and the request. Strict: DPoP and nonce first, then
 * client authentication, then the request.
 */
export function parEndpoint(as: AuthServer) {
  return oauthHandler({ ...as.handlerDeps, anyJsonValue: true }, async ({ req, params }) => {
    if (as.deps.profile.referenceParsing) return referencePar(as, req, params)
    const early = as.deps.faults.clientAuthBeforeNonce ? await as.clients.authenticate(params, 'par') : undefined
    const proof = as.verifyDpop(req)
    if (!proof && as.deps.profile.parRequiresDpop) throw new InvalidDpopProofError('DPoP proof required')
    const { client } = early ?? (await as.clients.authenticate(params, 'par'))
    const failure = as.takeFailure('par')
    if (failure && 'status' in failure && !failure.afterCommit) throw injectedServerError(failure.status)
    const jktParam = parseDpopJkt(params.dpop_jkt)
    if (proof && jktParam && jktParam !== proof.jkt) throw new InvalidTokenError('Invalid DPoP key binding')
    const request = createPushedRequest(as, client, params, proof?.jkt ?? jktParam)
    if (failure && 'status' in failure) throw injectedServerError(failure.status)
    // Fault `parResponse` (PAR-05): a malformed success the client must not turn into a redirect.
    const fault = as.deps.faults.parResponse
    const body = overrideDocument({ request_uri: request.requestUri, expires_in: LIFETIMES.parSeconds }, fault)
    return { status: fault?.status ?? 201, body }
  })
}

async function referencePar(as: AuthServer, req: BodyRequest, params: unknown): Promise<{ status: number; body: unknown }> {
  // Fault `clientAuthBeforeNonce`: the client assertion is verified (and its jti spent) before anything else.
  const early = as.deps.faults.clientAuthBeforeNonce ? await as.clients.authenticate(params as Record<string, unknown>, 'par') : undefined
  const { credentials, request: input } = await parseReferencePar(params)
  const proof = as.verifyDpop(req)
  if (!proof && as.deps.profile.parRequiresDpop) throw new InvalidDpopProofError('DPoP proof required')
  const client = early?.client ?? (await authenticateClient(as, credentials))
  const failure = as.takeFailure('par')
  if (failure && 'status' in failure && !failure.afterCommit) throw injectedServerError(failure.status)
  const request = await referencePushedRequest(as, credentials, input, proof, client)
  if (failure && 'status' in failure) throw injectedServerError(failure.status)
  const fault = as.deps.faults.parResponse
  const body = overrideDocument({ request_uri: request.requestUri, expires_in: LIFETIMES.parSeconds }, fault)
  return { status: fault?.status ?? 201, body }
}
