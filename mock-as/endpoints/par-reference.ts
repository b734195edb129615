/**
 * PAR the way the reference server processes it (oauth-provider 0.22.9: router/create-oauth-middleware.js,
 * oauth-provider.js pushedAuthorizationRequest(), request/request-manager.js validate(), client/client.js
 * validateRequest()). The body is parsed with the reference's own zod schemas (@atproto/oauth-types) and
 * failures are worded by its formatter, so a client meets the same errors, in the same order.
 */
import {
  oauthAuthorizationRequestParSchema,
  oauthClientCredentialsSchema,
  type OAuthAuthorizationRequestParameters,
  type OAuthClientCredentials,
} from '@atproto/oauth-types'
import type { ClientMetadata } from '../../protocol/client-id.ts'
import type { VerifiedProof } from '../../protocol/dpop.ts'
import {
  InvalidClientError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  type OAuthErrorCode,
} from '../../protocol/errors.ts'
import type { AuthServer } from '../auth-server.ts'
import { JWT_BEARER } from '../clients.ts'
import { formatError } from '../http/zod-error.ts'
import { LIFETIMES } from '../lifetimes.ts'
import { LexiconResolutionError } from '../permission-sets.ts'
import { keptRequestScope, resolveIncludes } from '../scopes.ts'
import { ids, type PushedRequest } from '../store.ts'

/** The error codes a PAR answers with as they are; every other authorization error becomes invalid_request. */
const PAR_ERRORS: readonly OAuthErrorCode[] = [
  'invalid_request',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]

/** An error of the authorization request proper (reference AuthorizationError), converted at the PAR boundary. */
class AuthorizationError extends OAuthError {
  constructor(description: string, error: OAuthErrorCode = 'invalid_request') {
    super(error, description, 400)
  }
}

/** Step 1 of the reference PAR: the two schema parses, before the DPoP proof is looked at. */
export async function parseReferencePar(
  payload: unknown,
): Promise<{ credentials: OAuthClientCredentials; request: Record<string, unknown> }> {
  const credentials = await oauthClientCredentialsSchema.parseAsync(payload, { path: ['body'] }).catch((err: unknown) => {
    throw new InvalidClientError(formatError(err, 'Client credentials missing'))
  })
  const request = await oauthAuthorizationRequestParSchema.parseAsync(payload, { path: ['body'] }).catch((err: unknown) => {
    throw new InvalidRequestError(formatError(err, 'Invalid authorization request'))
  })
  return { credentials, request: request as Record<string, unknown> }
}

/**
 * Step 2: client authentication, the DPoP binding and the request validation, then the stored request.
 * `proof` is the already verified DPoP proof of the request, if any; `authenticated` the client when it was
 * authenticated earlier (fault `clientAuthBeforeNonce`).
 */
export async function referencePushedRequest(
  as: AuthServer,
  credentials: OAuthClientCredentials,
  input: Record<string, unknown>,
  proof: VerifiedProof | undefined,
  authenticated?: ClientMetadata,
): Promise<PushedRequest> {
  try {
    const client = authenticated ?? (await authenticateClient(as, credentials))
    if ('request' in input) {
      // JAR: the reference verifies the request object with the client's keys; the mock's clients publish
      // none a request object could be signed with, so every JAR fails where the reference's does.
      throw new InvalidRequestError('Invalid "request" object: no applicable key found in the JSON Web Key Set')
    }
    const parameters = input as OAuthAuthorizationRequestParameters
    let jkt = parameters.dpop_jkt
    if (jkt === undefined) jkt = proof?.jkt
    else if (proof && proof.jkt !== jkt) {
      throw new OAuthError('invalid_token', 'Invalid DPoP key binding', 401)
    }
    return await validateAndStore(as, client, parameters, jkt)
  } catch (err) {
    // RFC 9126 §2.3: user-interaction errors are never returned by a PAR.
    if (err instanceof AuthorizationError && !PAR_ERRORS.includes(err.error)) {
      throw new InvalidRequestError(err.description)
    }
    throw err
  }
}

/** Reference authenticateClient() + Client.authenticate(): a "none" client ignores any credential it sent. */
export async function authenticateClient(as: AuthServer, credentials: OAuthClientCredentials): Promise<ClientMetadata> {
  const client = await as.clients.resolve(credentials.client_id)
  if (client.token_endpoint_auth_method === 'none') return client
  if (!('client_assertion' in credentials)) {
    throw new InvalidRequestError(
      `client authentication method "${client.token_endpoint_auth_method}" required a "client_assertion"`,
    )
  }
  if (credentials.client_assertion_type !== JWT_BEARER) {
    throw new InvalidClientError(`Unsupported client_assertion_type "${credentials.client_assertion_type}"`)
  }
  await as.clients.authenticate(credentials as Record<string, unknown>, 'par')
  return client
}

// atproto handles and DIDs (the reference uses @atproto/syntax isValidHandle and @atproto/did isAtprotoDid).
const HANDLE = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/
const DID = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9._-]+(%3[aA][0-9]+)?)$/

/** Reference RequestManager.validate() (with Client.validateRequest() inlined), in its order. */
async function validateAndStore(
  as: AuthServer,
  client: ClientMetadata,
  parameters: OAuthAuthorizationRequestParameters,
  dpopJkt: string | undefined,
): Promise<PushedRequest> {
  for (const k of ['claims', 'id_token_hint', 'nonce'] as const) {
    if (parameters[k] !== undefined) throw new AuthorizationError(`Unsupported "${k}" parameter`)
  }
  const responseType = parameters.response_type
  if (responseType !== 'code') {
    throw new AuthorizationError(`Unsupported response_type "${responseType}"`, 'unsupported_response_type')
  }
  for (const detail of parameters.authorization_details ?? []) {
    // The reference advertises no authorization_details_types.
    throw new AuthorizationError(`Unsupported "authorization_details" type "${detail.type}"`, 'invalid_authorization_details')
  }

  // Client.validateRequest()
  if (parameters.client_id !== client.client_id) {
    throw new AuthorizationError('The "client_id" parameter field does not match the value used to authenticate the client')
  }
  if (parameters.scope !== undefined) {
    const declared = client.scope.split(' ')
    for (const s of parameters.scope.split(' ')) {
      if (!declared.includes(s)) throw new InvalidScopeError(`Scope "${s}" is not declared in the client metadata`)
    }
  }
  if (!client.response_types.includes(responseType)) {
    throw new AuthorizationError(`Invalid response_type "${responseType}" requested by the client`)
  }
  if (!client.grant_types.includes('authorization_code')) {
    throw new AuthorizationError('This client is not allowed to use the "authorization_code" grant type')
  }
  let redirectUri: string
  if (parameters.redirect_uri !== undefined) {
    const requested = (redirectUri = parameters.redirect_uri)
    if (!client.redirect_uris.some((r) => compareRedirectUri(r, requested))) {
      throw new AuthorizationError(`Invalid redirect_uri ${requested}`)
    }
  } else if (client.redirect_uris.length === 1) {
    redirectUri = client.redirect_uris[0]!
  } else {
    throw new AuthorizationError('redirect_uri is required')
  }

  const scopes = new Set(parameters.scope?.split(' '))
  const kept = keptRequestScope([...scopes], false)
  const codeChallenge = parameters.code_challenge
  let method = parameters.code_challenge_method
  if (codeChallenge) {
    method ??= 'plain'
  } else if (method) {
    throw new AuthorizationError('code_challenge is required when code_challenge_method is provided')
  } else {
    throw new AuthorizationError('Use of PKCE is required')
  }
  if (!scopes.has('atproto')) throw new InvalidScopeError('The "atproto" scope is required')
  if (scopes.has('openid')) throw new InvalidScopeError('OpenID Connect is not compatible with atproto')
  if (method !== 'S256') throw new AuthorizationError('atproto requires use of "S256" code_challenge_method')
  // Public clients may not sign in silently (the reference's ConsentRequiredError, made invalid_request at PAR).
  if (client.token_endpoint_auth_method === 'none' && parameters.prompt === 'none') {
    throw new AuthorizationError('Public clients are not allowed to use silent-sign-on', 'access_denied')
  }
  const hint = parameters.login_hint?.toLowerCase()
  if (hint && !DID.test(hint) && !(hint.length <= 253 && HANDLE.test(hint))) {
    throw new AuthorizationError(`Invalid login_hint "${hint}"`)
  }
  if (kept) {
    try {
      resolveIncludes(kept, as.permissionSets)
    } catch (err) {
      if (err instanceof LexiconResolutionError) throw new AuthorizationError(err.message, 'invalid_scope')
      throw err
    }
  }

  const request: PushedRequest = {
    requestUri: ids.requestUri(),
    clientId: client.client_id,
    client,
    redirectUri,
    state: parameters.state,
    scope: kept,
    codeChallenge,
    loginHint: hint || undefined,
    responseMode: parameters.response_mode ?? 'query',
    dpopJkt,
    expiresAt: as.deps.clock.now() + LIFETIMES.parSeconds * 1000,
    used: false,
  }
  as.store.requests.set(request.requestUri, request)
  return request
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * The reference's compareRedirectUri() (lib/util/redirect-uri.js): the exact string, or for a registered
 * loopback URI the same URL (as the URL parser reads it, which trims a trailing NUL) with any port when the
 * registered one has none.
 */
function compareRedirectUri(allowed: string, requested: string): boolean {
  if (allowed === requested) return true
  const a = new URL(allowed)
  if (!LOOPBACK_HOSTS.has(a.hostname)) return false
  let r: URL
  try {
    r = new URL(requested)
  } catch {
    return false
  }
  return (
    (!a.port || a.port === r.port) &&
    a.hostname === r.hostname &&
    a.pathname === r.pathname &&
    a.protocol === r.protocol &&
    a.search === r.search &&
    a.hash === r.hash &&
    a.username === r.username &&
    a.password === r.password
  )
}
