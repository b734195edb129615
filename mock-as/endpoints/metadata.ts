import type { Request, Response } from 'express'
import type { AuthServer } from '../auth-server.ts'
import { overrideDocument, sendMetadata } from '../faults.ts'

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512']

// reference-wire.md §1: headers of the AS metadata and JWKS documents.
function metadataHeaders(res: Response): void {
  res.setHeader('Access-Control-Max-Age', '86400')
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Allow-Methods', '*')
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type,DPoP')
  res.setHeader('Cache-Control', 'max-age=300')
  res.setHeader('content-type', 'application/json')
}

/** The AS metadata document (RFC 8414) with the atproto fields, in the reference's key order. */
export function buildAsMetadata(as: AuthServer): Record<string, unknown> {
  const issuer = as.issuer
  const { profile } = as.deps
  return {
    issuer,
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    scopes_supported: ['atproto', 'transition:email', 'transition:generic', 'transition:chat.bsky'],
    subject_types_supported: ['public'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    ui_locales_supported: ['en-US'],
    display_values_supported: ['page', 'popup', 'touch'],
    request_object_signing_alg_values_supported: [...ALGS, 'none'],
    authorization_response_iss_parameter_supported: true,
    request_object_encryption_alg_values_supported: [],
    request_object_encryption_enc_values_supported: [],
    jwks_uri: `${issuer}/oauth/jwks`,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ALGS,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
    require_pushed_authorization_requests: true,
    dpop_signing_alg_values_supported: [...profile.dpopAlgs],
    protected_resources: as.deps.protectedResources(),
    client_id_metadata_document_supported: true,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
  }
}

/** The AS metadata as clients see it: with the fault plan's `asMetadata` seam applied. */
export function advertisedMetadata(as: AuthServer): Record<string, unknown> {
  const fault = as.deps.faults.asMetadata
  return overrideDocument(buildAsMetadata(as), {
    omit: fault?.omit,
    set: { ...(fault?.issuer !== undefined ? { issuer: fault.issuer } : {}), ...fault?.set },
  })
}

/** GET /.well-known/oauth-authorization-server, with the fault plan's `asMetadata` seam. */
export function asMetadataEndpoint(as: AuthServer) {
  return (req: Request, res: Response): void => {
    const fault = as.deps.faults.asMetadata
    const doc = advertisedMetadata(as)
    metadataHeaders(res)
    sendMetadata(req, res, doc, fault?.response, 'application/json')
  }
}

/** GET /oauth/jwks: empty, since access tokens are HS256 (reference §1, §10.10). */
export function jwksEndpoint(_as: AuthServer) {
  return (_req: Request, res: Response): void => {
    metadataHeaders(res)
    res.status(200).end(JSON.stringify({ keys: [] }))
  }
}
