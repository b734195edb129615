import { randomBytes } from 'node:crypto'
import type { ClientMetadata } from '../protocol/client-id.ts'

/** A pushed authorization request (RFC 9126), kept until used or expired. */
export interface PushedRequest {
  requestUri: string
  clientId: string
  client: ClientMetadata
  redirectUri: string
  state?: string
  scope: string
  codeChallenge: string
  loginHint?: string
  responseMode: string
  /** Key bound at PAR (from the proof or `dpop_jkt`); undefined when PAR carried neither. */
  dpopJkt?: string
  expiresAt: number
  /** Authorized (a code was issued for it). */
  used: boolean
  /** The browser (device cookie) that first opened its page: the reference binds a request to it. */
  deviceId?: string
}

/** An authorization code and what it was issued for. */
export interface AuthorizationCode {
  code: string
  request: PushedRequest
  sub: string
  expiresAt: number
  /** The session the code was exchanged for, once it was. */
  sessionId?: string
  consumed: boolean
}

/** How a client authenticated when the session began (confidential sessions must keep it). */
export interface ClientAuth {
  method: 'none' | 'private_key_jwt'
  kid?: string
}

/** One token session (the reference's "token row"): current access token id and refresh token. */
export interface TokenSession {
  id: string
  sub: string
  clientId: string
  clientAuth: ClientAuth
  jkt: string
  /** The scope of the token response (the AS's grant as the client sees it). */
  scope: string
  /** The authorized request scope (after consent) the grant is recomputed from at every refresh (SCOPE-07). */
  requestScope: string
  /** What the PDS enforces: the grant with every `include:` expanded, whatever the token response said. */
  enforcedScope: string
  /** jti of the only valid access token (stateful: a refresh invalidates the previous one at once). */
  accessTokenId: string
  refreshToken: string
  createdAt: number
  /** Absolute end of the session and end of refresh inactivity (World clock, ms). */
  expiresAt: number
  refreshExpiresAt: number
  revoked: boolean
  revokedReason?: string
}

/** Random identifiers shaped like the reference's (reference-wire.md §11.3). */
export const ids = {
  requestUri: () => `urn:ietf:params:oauth:request_uri:req-${randomBytes(16).toString('hex')}`,
  code: () => `cod-${randomBytes(32).toString('hex')}`,
  tokenId: () => `tok-${randomBytes(16).toString('hex')}`,
  refreshToken: () => `ref-${randomBytes(32).toString('hex')}`,
  session: () => `ses-${randomBytes(16).toString('hex')}`,
  device: () => `dev-${randomBytes(16).toString('hex')}`,
  /** An access token that is not a JWT (fault `tokenResponse.accessToken: 'opaque'`). */
  opaqueToken: () => `opq_${randomBytes(24).toString('hex')}`,
}

/** All mutable state of one mock AS. Nothing here is shared between Worlds. */
export class AuthStore {
  readonly requests = new Map<string, PushedRequest>()
  readonly codes = new Map<string, AuthorizationCode>()
  readonly sessions = new Map<string, TokenSession>()
  /** Every refresh token ever issued → session id, so a rotated-out token is recognised as a replay. */
  readonly refreshTokens = new Map<string, string>()
  /** code_challenge values already used (reference: once per day, `Code challenge already used`). */
  readonly usedChallenges = new Set<string>()
  /** client_assertion jti values already used. */
  readonly assertionJtis = new Set<string>()
  /** Opaque access token → the JWT it stands for, so the PDS checks it like any other (TOKEN-05). */
  readonly opaqueAccessTokens = new Map<string, string>()

  revoke(session: TokenSession, reason: string): void {
    if (session.revoked) return
    session.revoked = true
    session.revokedReason = reason
  }

  sessionByAccessTokenId(jti: string): TokenSession | undefined {
    for (const s of this.sessions.values()) if (s.accessTokenId === jti) return s
    return undefined
  }
}
