/** OAuth error codes the mocks answer with (RFC 6749 §5.2, RFC 9449, RFC 6750). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_client_metadata'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_token'
  | 'invalid_authorization_details'
  | 'server_error'
  | 'temporarily_unavailable'

/** The reference server's DPoP algorithm list, sent in every WWW-Authenticate challenge. */
export const REFERENCE_DPOP_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512']

/** An OAuth error, typed where thrown and turned into wire JSON in one place (mock-as/http/to-wire.ts). */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description)
  }
  /** Whether the error carries a WWW-Authenticate challenge (RFC 9449 §7.1, RFC 6750 §3). */
  get challenge(): boolean {
    return this.status === 401
  }
}

/** `use_dpop_nonce`: at the AS a plain 400 (reference [WIRE §2]); the PDS turns it into a 401 challenge. */
export class UseDpopNonceError extends OAuthError {
  constructor(description = 'Authorization server requires nonce in DPoP proof') {
    super('use_dpop_nonce', description, 400)
  }
}

/** `invalid_dpop_proof`: 401 with a WWW-Authenticate challenge at both servers. */
export class InvalidDpopProofError extends OAuthError {
  constructor(description: string) {
    super('invalid_dpop_proof', description, 401)
  }
}

export class InvalidTokenError extends OAuthError {
  constructor(description = 'Invalid token') {
    super('invalid_token', description, 401)
  }
}

export class InvalidRequestError extends OAuthError {
  constructor(description: string, status = 400) {
    super('invalid_request', description, status)
  }
}

export class InvalidGrantError extends OAuthError {
  constructor(description: string) {
    super('invalid_grant', description, 400)
  }
}

export class InvalidClientError extends OAuthError {
  constructor(description: string) {
    super('invalid_client', description, 400)
  }
}

export class InvalidClientMetadataError extends OAuthError {
  constructor(description: string) {
    super('invalid_client_metadata', description, 400)
  }
}

export class InvalidScopeError extends OAuthError {
  constructor(description: string) {
    super('invalid_scope', description, 400)
  }
}

/** An XRPC error (`{"error","message"}` body) from the PDS outside the OAuth paths, e.g. AuthMissing. */
export class XrpcError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly messageText: string,
  ) {
    super(messageText)
  }
}

/**
 * Builds a `WWW-Authenticate: DPoP …` value the way the reference does: a parameter whose value contains
 * a double quote is dropped (reference-wire.md §2, `isParamEntry`).
 */
export function dpopChallenge(params: Record<string, string | undefined>): string {
  const parts = [`algs="${REFERENCE_DPOP_ALGS.join(' ')}"`]
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v.includes('"')) continue
    parts.push(`${k}="${v}"`)
  }
  return `DPoP ${parts.join(', ')}`
}

/** Harness-side failure codes (driver, config, CLI), jose-style. */
export type HarnessErrorCode =
  | 'ERR_DRIVER_TIMEOUT'
  | 'ERR_DRIVER_PROTOCOL'
  | 'ERR_DRIVER_CRASH'
  | 'ERR_SCENARIO_INVALID'
  | 'ERR_CONFIG'
  | 'ERR_WORLD'
  | 'ERR_USER_AGENT'
  | 'ERR_ENVIRONMENT'

/** A failure of the harness or of the driver plumbing: the scenario's verdict is ERROR, never PASS. */
export class HarnessError extends Error {
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
