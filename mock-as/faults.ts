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
  }
  /** Protected-resource metadata of the PDS. */
  protectedResource?: {
    resource?: string
    authorization_servers?: string[]
  }
  /** The redirect that carries the authorization response back to the client. */
  authorizeResponse?: {
    /** Replace `iss` with this value; `null` omits it. */
    iss?: string | null
    /** `tamper` changes the value, `omit` drops it. */
    state?: 'tamper' | 'omit'
  }
  /** The token endpoint's success response. */
  tokenResponse?: {
    token_type?: string
    scope?: string
    /** Replace `sub`; `null` omits it. */
    sub?: string | null
    omit?: ('expires_in' | 'refresh_token' | 'scope')[]
  }
  /** DPoP nonces of both servers. */
  dpopNonce?: {
    /** Rotation interval in seconds (reference: 60). */
    rotateEverySeconds?: number
    /** A server that never asks for nonces and sends no DPoP-Nonce header. */
    disabled?: boolean
  }
  /** Handle resolution, PLC directory and did:web documents. */
  identity?: IdentityFaults
}

/** What the handle resolver, PLC directory and did:web documents get wrong. */
export interface IdentityFaults {
  /** Handle → DID override (e.g. a DID whose document names another handle). */
  handleResolvesTo?: Record<string, string>
  /** DID → PDS endpoint override in the DID document; `null` drops the #atproto_pds service. */
  didDocPds?: Record<string, string | null>
  /** DID → alsoKnownAs override. */
  alsoKnownAs?: Record<string, string[]>
}

/** Names of the top-level seams, for listing and for validating user-supplied plans. */
export const FAULT_SEAMS = ['asMetadata', 'protectedResource', 'authorizeResponse', 'tokenResponse', 'dpopNonce', 'identity'] as const

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
