/**
 * How the mock servers react. `reference` answers like the atproto reference server (@atproto/pds 0.5.35,
 * reference-wire.md), leniencies included; `strict` enforces every MUST of the spec the reference lets pass.
 * Client-side checks are judged the same under both.
 */
export type ProfileName = 'reference' | 'strict'

export interface Profile {
  name: ProfileName
  /** `dpop_signing_alg_values_supported`, and the algs the servers verify. */
  dpopAlgs: readonly string[]
  /** Verify every alg the harness knows, even unlisted ones (reference accepts EdDSA, §10.14). */
  acceptUnlistedDpopAlgs: boolean
  /** A PAR with no DPoP proof is accepted (reference §10.1) or refused (strict, PAR-04). */
  parRequiresDpop: boolean
  /** JSON bodies at PAR/token/revoke accepted (reference §10.18) or refused (strict, PAR-02). */
  acceptJsonBodies: boolean
  /** Direct (non-PAR) authorize requests rendered (reference §10.9) or refused (strict, PAR-01). */
  allowNonParAuthorize: boolean
  /** An `htu` with query or fragment is tolerated (reference §10.8) or refused (strict, DPOP-05). */
  tolerateHtuQuery: boolean
  /** A declared scope token that does not parse is dropped from the grant (reference, SCOPE-09) or refused (strict). */
  refuseUnparsableScopes: boolean
  /**
   * How long the AS keeps a fetched client metadata document and client JWKS, in ms of the World clock (META-18);
   * 0 keeps no copy. The reference keeps both 10 min (oauth-provider.ts `clientMetadataCache`, `clientJwksCache`,
   * `ttl: 600e3`): for that long a newly declared scope or key is unknown to it and a removed key still works.
   */
  clientMetadataCacheTtlMs: number
  /**
   * Request bodies read and PAR parameters checked like the reference: its zod schemas (@atproto/oauth-types),
   * its error wording and check order, a repeated form parameter's last value kept (reference §10.18). Off
   * (strict): the mock's own checks, and a repeated parameter is refused (RFC 6749 §3.1).
   */
  referenceParsing: boolean
}

/** The reference AS's client metadata and JWKS cache lifetime (META-18). */
export const REFERENCE_CLIENT_METADATA_TTL_MS = 600_000

const ALL_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512']

export const PROFILES: Record<ProfileName, Profile> = {
  reference: {
    name: 'reference',
    dpopAlgs: ALL_ALGS,
    acceptUnlistedDpopAlgs: true,
    parRequiresDpop: false,
    acceptJsonBodies: true,
    allowNonParAuthorize: true,
    tolerateHtuQuery: true,
    refuseUnparsableScopes: false,
    clientMetadataCacheTtlMs: REFERENCE_CLIENT_METADATA_TTL_MS,
    referenceParsing: true,
  },
  strict: {
    name: 'strict',
    dpopAlgs: ['ES256'],
    acceptUnlistedDpopAlgs: false,
    parRequiresDpop: true,
    acceptJsonBodies: false,
    allowNonParAuthorize: false,
    tolerateHtuQuery: false,
    refuseUnparsableScopes: true,
    // Caching is the deployment's choice (SPEC "Client ID Metadata Document": no TTL), not a MUST to tighten.
    clientMetadataCacheTtlMs: REFERENCE_CLIENT_METADATA_TTL_MS,
    referenceParsing: false,
  },
}
