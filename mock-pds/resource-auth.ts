import type { Request, Response } from 'express'
import { randomBytes } from 'node:crypto'
import type { FaultPlan } from '../mock-as/faults.ts'
import type { Clock } from '../model/clock.ts'
import { verifyDpopProof } from '../protocol/dpop.ts'
import { dpopChallenge, InvalidDpopProofError, InvalidTokenError, OAuthError, UseDpopNonceError, XrpcError } from '../protocol/errors.ts'
import { SUPPORTED_ALGS } from '../protocol/jws.ts'
import type { NonceManager, ReplayStore } from '../protocol/nonce.ts'
import { AccessTokenSigner, type AccessTokenClaims } from '../mock-as/access-token.ts'
import type { Profile } from '../mock-as/profile.ts'
import type { AuthStore, TokenSession } from '../mock-as/store.ts'

/** What the PDS needs to check `Authorization: DPoP` requests. */
export interface ResourceAuthDeps {
  origin: () => string
  serviceDid: () => string
  profile: Profile
  clock: Clock
  realClock: Clock
  nonces: NonceManager | undefined
  /** Read for `dpopNonce.alwaysChallenge`. */
  faults?: FaultPlan
  replay: ReplayStore
  tokens: AccessTokenSigner
  /** The AS's token rows: the PDS is stateful, so revocation and rotation take effect at once (§11.3). */
  authStore: AuthStore
}

/** An authenticated resource request. */
export interface ResourceAuth {
  claims: AccessTokenClaims
  session: TokenSession
}

/** Answers an OAuth error from the DPoP path as the reference PDS does: 401 + challenge, XRPC body (§6). */
export function sendResourceOAuthError(res: Response, err: OAuthError, style?: 'odd-case'): void {
  const nonceChallenge = err.error === 'use_dpop_nonce'
  res.status(nonceChallenge ? 401 : err.status)
  // Fault `dpopNonce.challengeStyle: 'odd-case'`: same meaning, other spelling (RFC 7235: scheme is
  // case-insensitive, auth-param values may be tokens).
  const challenge = nonceChallenge && style === 'odd-case' ? 'dPoP error=use_dpop_nonce' : dpopChallenge({ error: err.error, error_description: err.description })
  res.setHeader('WWW-Authenticate', challenge)
  res.setHeader('Access-Control-Expose-Headers', ['DPoP-Nonce', 'WWW-Authenticate'])
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.end(JSON.stringify({ error: err.error, message: err.description }))
}

/** Reference `setAuthHeaders()`: every verifier marks the answer private to the credentials. */
export function setAuthHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'private')
  res.setHeader('Vary', 'Authorization, Accept-Encoding')
}

/** The schemes the reference PDS knows (`AuthType`, compared case-insensitively). */
export type AuthScheme = 'basic' | 'bearer' | 'dpop'

/**
 * Reference `parseAuthorizationHeader()`: no header, or its scheme and token. A header that is not two
 * words, or a scheme it does not know, is refused here, before any caching header is set
 * (extra/rs-double-space: no Cache-Control).
 */
export function parseAuthorization(header: string | undefined): { scheme: AuthScheme; token: string } | undefined {
  if (!header) return undefined
  const parts = header.split(' ')
  if (parts.length !== 2) throw new XrpcError(400, 'InvalidToken', 'Malformed authorization header')
  const [scheme, token] = parts as [string, string]
  const lower = scheme.toLowerCase()
  if (lower !== 'basic' && lower !== 'bearer' && lower !== 'dpop') {
    throw new XrpcError(400, 'InvalidToken', `Unsupported authorization type: ${scheme}`)
  }
  return { scheme: lower, token }
}

/**
 * A `Bearer` token at a method that takes access tokens: the legacy session-token path (`access()`),
 * which verifies the JWT with the PDS's secret and then refuses any token bound to a key (`cnf`). The
 * mock issues no legacy tokens, so every Bearer token fails there; which message depends on the token.
 */
function refuseBearer(deps: ResourceAuthDeps, token: string): never {
  const claims = deps.tokens.verify(token)
  // jose checks the audience before the expiry; both fail as "could not be verified" but the expiry.
  if (!claims || claims.aud !== deps.serviceDid()) throw new XrpcError(400, 'InvalidToken', 'Token could not be verified')
  if (claims.exp * 1000 <= deps.clock.now()) throw new XrpcError(400, 'ExpiredToken', 'Token has expired')
  // RES-01: a DPoP-bound token under the Bearer scheme fails on its `cnf` claim (§11.6).
  throw new XrpcError(400, 'InvalidToken', 'Malformed token')
}

/**
 * Authenticates a PDS request in the reference order (reference-wire.md §11.6, `authorization()`): header
 * shape → scheme → token format → DPoP proof (with nonce and `ath`) → token signature → `cnf.jkt` →
 * stateful lookup → expiry. On the DPoP path it sets `DPoP-Nonce` on every response, success or error.
 */
export function authenticateResource(deps: ResourceAuthDeps, req: Request, res: Response): ResourceAuth {
  const parsed = parseAuthorization(req.headers.authorization)
  // reference §6: `rs-no-auth` and `rs-bearer-scheme` already carry the private caching headers.
  setAuthHeaders(res)
  if (!parsed) throw new XrpcError(401, 'AuthMissing', 'Authentication Required')
  const { scheme, token } = parsed
  if (scheme === 'bearer') refuseBearer(deps, token)
  if (scheme === 'basic') throw new XrpcError(400, 'InvalidToken', 'Unexpected authorization type')

  const nonce = deps.nonces?.next()
  if (nonce !== undefined) {
    res.setHeader('DPoP-Nonce', nonce)
    res.setHeader('Access-Control-Expose-Headers', 'DPoP-Nonce')
  }
  // An opaque token (TOKEN-05 fault) stands for a JWT the AS keeps; the proof's ath still covers what was sent.
  const jwt = deps.authStore.opaqueAccessTokens.get(token) ?? token
  if (!AccessTokenSigner.wellFormed(jwt)) throw new InvalidTokenError('Malformed token')
  if (deps.faults?.dpopNonce?.alwaysChallenge === 'pds') {
    // A server stuck challenging: a brand-new nonce every time, so only a bounded client stops (NONCE-04).
    res.setHeader('DPoP-Nonce', randomBytes(32).toString('base64url'))
    throw new UseDpopNonceError('DPoP "nonce" mismatch')
  }
  const proof = verifyDpopProof({
    header: req.headers.dpop,
    htm: req.method,
    htu: deps.origin() + req.path,
    now: deps.realClock.now(),
    accessToken: token,
    nonces: deps.nonces,
    replay: deps.replay,
    algs: deps.profile.acceptUnlistedDpopAlgs ? SUPPORTED_ALGS : deps.profile.dpopAlgs,
    strictHtu: !deps.profile.tolerateHtuQuery,
  })
  if (!proof) throw new InvalidDpopProofError('DPoP proof required')
  const claims = deps.tokens.verify(jwt)
  if (!claims) throw new InvalidTokenError('Malformed token')
  if (claims.cnf?.jkt !== proof.jkt) throw new InvalidTokenError('Invalid DPoP key binding')
  const session = deps.authStore.sessionByAccessTokenId(claims.jti)
  if (!session || session.revoked) throw new InvalidTokenError('Invalid token')
  // Reference message: `verifyTokenClaims` in @atproto/oauth-provider throws "Invalid audience".
  if (claims.aud !== deps.serviceDid()) throw new InvalidTokenError('Invalid audience')
  if (claims.exp * 1000 <= deps.clock.now()) throw new InvalidTokenError('Token expired')
  return { claims, session }
}
