import type { PermissionSetFaults } from './permission-sets.ts'

/**
 * What the World does wrong on purpose, as data. Each field is read at one named seam of one endpoint;
 * the plan serialises, so it goes unchanged into report.json, `explain` and the control API of `serve`.
 */
export interface FaultPlan {
  /** AS metadata document (`/.well-known/oauth-authorization-server`). */
  asMetadata?: {
    issuer?: string
    /** Fields to drop from the document. */
    omit?: string[]
    /** Fields to set or replace. */
    set?: Record<string, unknown>
    /** Answer the document oddly (DISC-08): another status, a redirect, another content type, a JSON array. */
    response?: MetadataResponseFault
  }
  /** Protected-resource metadata of the PDS. */
  protectedResource?: {
    resource?: string
    authorization_servers?: string[]
    /** Answer `302 Found` to this URL instead of the document (naming the PRM itself makes a redirect loop). */
    redirectTo?: string
    /** Answer the document oddly (DISC-08), as for `asMetadata.response`. */
    response?: MetadataResponseFault
  }
  /** The PAR endpoint's success response (PAR-05): its status and body fields (`omit` every field for `{}`). */
  parResponse?: {
    status?: 200 | 201
    omit?: ('request_uri' | 'expires_in')[]
    set?: Record<string, unknown>
  }
  /**
   * Hold the first refresh response until a `release` step lets it go (REFRESH-10): the AS has done its work
   * (the refresh token is rotated) and the client waits, so a scenario can sign out in between. No sleeps.
   */
  holdResponse?: { refresh?: true }
  /** Authorization codes live this long instead of 300 s (a lenient AS, so only the client can refuse a late callback). */
  codeLifetimeSeconds?: number
  /** The redirect that carries the authorization response back to the client. */
  authorizeResponse?: {
    /** Replace `iss` with this value; `null` omits it. */
    iss?: string | null
    /** `tamper` changes the value, `omit` drops it. */
    state?: 'tamper' | 'omit'
    /** Add `error` (and an error_description) next to the `code` of a successful authorization. */
    error?: string
  }
  /**
   * The token endpoint's success response (code grant, and refresh unless `refreshResponse` is set). A `scope`
   * here is what the AS really grants: the session and the PDS use it too.
   */
  tokenResponse?: TokenResponseFault
  /** The refresh grant's success response only. */
  refreshResponse?: TokenResponseFault
  /** Failures injected at one endpoint, `times` times (once by default). */
  failures?: {
    par?: InjectedFailure
    /** The authorization_code grant. */
    code?: InjectedFailure
    refresh?: InjectedFailure
    revoke?: InjectedFailure
  }
  /**
   * Authenticate the client before checking the DPoP nonce, burning the assertion's jti on a nonce challenge
   * (an AS unlike the reference; BP-61).
   */
  clientAuthBeforeNonce?: boolean
  /** DPoP nonces of both servers. */
  dpopNonce?: {
    /** Rotation interval in seconds (reference: 60). */
    rotateEverySeconds?: number
    /** A server that never asks for nonces and sends no DPoP-Nonce header. */
    disabled?: boolean
    /** The PDS writes its nonce challenge as `dPoP error=use_dpop_nonce` (odd case, unquoted: RFC 7235 allows both). */
    challengeStyle?: 'odd-case'
    /** The PDS answers every request with a nonce challenge carrying a new nonce, forever. */
    alwaysChallenge?: 'pds'
  }
  /** Handle resolution, PLC directory and did:web documents. */
  identity?: IdentityFaults
  /** Granular permissions: the published permission sets, the grant, and how the PDS refuses a missing one. */
  permissions?: PermissionFaults
}

/** What the World does unlike the reference with permission scopes and permission sets. */
export interface PermissionFaults {
  /** The lexicon permission sets the AS resolves. */
  sets?: PermissionSetFaults
  /** The token response carries each `include:` unexpanded, as other servers do (haileyok/cocoon#123, BP-109). */
  grantIncludeUnexpanded?: boolean
  /**
   * How the PDS refuses a call the grant does not cover: the reference's `ScopeMissingError` by default, rsky's
   * `InsufficientScope` name, or an RFC 6750 `insufficient_scope` challenge in `WWW-Authenticate` (BP-120).
   */
  missingScopeAnswer?: 'InsufficientScope' | 'insufficient_scope-challenge'
}

export interface TokenResponseFault {
  token_type?: string
  scope?: string
  /** Replace `sub`; `null` omits it. */
  sub?: string | null
  omit?: ('expires_in' | 'refresh_token' | 'scope')[]
  /** `opaque`: a random access token that is not a JWT (TOKEN-05); the PDS accepts it all the same. */
  accessToken?: 'opaque'
}

/**
 * An odd answer to a metadata GET: `status` 203/204 (with the document, or nothing for 204), a redirect
 * (301/302/307/308) to the same document (so a client that follows it finds a valid document), another
 * `contentType` (e.g. `text/html`) with the JSON body, or `body: 'array'` (the document wrapped in an array).
 */
export interface MetadataResponseFault {
  status?: 203 | 204 | 301 | 302 | 307 | 308
  contentType?: string
  body?: 'array'
}

/**
 * An endpoint answering 5xx (`status`), optionally after it did its work (`afterCommit`: the response is lost),
 * or refusing a refresh as if the session had been revoked elsewhere (`error: 'invalid_grant'`).
 */
export type InjectedFailure = { times?: number } & (
  | { status: 500 | 503; afterCommit?: boolean }
  | { error: 'invalid_grant' }
)

/** What the handle resolver, PLC directory and did:web documents get wrong. */
export interface IdentityFaults {
  /** Handle → DID override (e.g. a DID whose document names another handle). */
  handleResolvesTo?: Record<string, string>
  /** DID → PDS endpoint override in the DID document; `null` drops the #atproto_pds service. */
  didDocPds?: Record<string, string | null>
  /** DID → alsoKnownAs override. */
  alsoKnownAs?: Record<string, string[]>
  /** DID → services listed before #atproto_pds (decoys a client must not pick). */
  servicesBefore?: Record<string, { id: string; type: string; serviceEndpoint: string }[]>
}

/** Names of the top-level seams, for listing and for validating user-supplied plans. */
export const FAULT_SEAMS = [
  'asMetadata',
  'protectedResource',
  'parResponse',
  'holdResponse',
  'codeLifetimeSeconds',
  'authorizeResponse',
  'tokenResponse',
  'refreshResponse',
  'failures',
  'clientAuthBeforeNonce',
  'dpopNonce',
  'identity',
  'permissions',
] as const

/** Applies `omit`/`set` overrides to a JSON document, returning a new object. */
export function overrideDocument<T extends Record<string, unknown>>(
  doc: T,
  fault: { omit?: readonly string[]; set?: Record<string, unknown> } | undefined,
): Record<string, unknown> {
  if (!fault) return doc
  const out: Record<string, unknown> = { ...doc, ...fault.set }
  for (const key of fault.omit ?? []) delete out[key]
  return out
}

/** Query parameter marking the target of a metadata redirect fault: the document is served there as usual. */
export const REDIRECTED_MARK = 'redirected'

/**
 * Sends a metadata document with the `response` fault applied (DISC-08). `send` writes the normal answer
 * (headers and body) when there is no fault, or at the redirect's target.
 */
export function sendMetadata(
  req: { query: unknown; path: string },
  res: { status(code: number): unknown; setHeader(name: string, value: string): unknown; end(body?: string): unknown },
  doc: unknown,
  fault: MetadataResponseFault | undefined,
  contentType: string,
): void {
  const redirected = typeof req.query === 'object' && req.query !== null && REDIRECTED_MARK in req.query
  const status = fault?.status
  if (status !== undefined && status >= 300 && !redirected) {
    res.status(status)
    res.setHeader('Location', `${req.path}?${REDIRECTED_MARK}=1`)
    res.end()
    return
  }
  if (status === 204 && !redirected) {
    res.status(204)
    res.end()
    return
  }
  res.status(status === 203 && !redirected ? 203 : 200)
  res.setHeader('Content-Type', redirected ? contentType : (fault?.contentType ?? contentType))
  res.end(JSON.stringify(fault?.body === 'array' && !redirected ? [doc] : doc))
}
