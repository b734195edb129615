import { Router, type Request, type Response } from 'express'
import type { Account } from './accounts.ts'
import type { IdentityFaults } from '../../mock-as/faults.ts'

export interface IdentityDeps {
  /** The identity server's own origin (also the "PDS" of foreign accounts). */
  origin?: () => string
  accounts: readonly Account[]
  /** The PDS origin every account is hosted on. */
  pdsUrl: () => string
  faults: () => IdentityFaults | undefined
}

// A fixed secp256k1 Multikey: the clients under test only read the document's structure.
const SIGNING_KEY = 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF'

/** The DID document of an account (DID spec; `#atproto_pds` service of type AtprotoPersonalDataServer). */
export function didDocument(account: Account, deps: IdentityDeps): Record<string, unknown> {
  const faults = deps.faults()
  const home = account.foreign && deps.origin ? deps.origin() : deps.pdsUrl()
  const pds = faults?.didDocPds && account.did in faults.didDocPds ? faults.didDocPds[account.did] : home
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/multikey/v1',
      'https://w3id.org/security/suites/secp256k1-2019/v1',
    ],
    id: account.did,
    alsoKnownAs: faults?.alsoKnownAs?.[account.did] ?? [`at://${account.handle}`],
    verificationMethod: [
      { id: `${account.did}#atproto`, type: 'Multikey', controller: account.did, publicKeyMultibase: SIGNING_KEY },
    ],
    service: [
      ...(faults?.servicesBefore?.[account.did] ?? []),
      ...(pds === null ? [] : [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: pds }]),
    ],
  }
}

function json(res: Response, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  res.status(status).setHeader('Content-Type', type)
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.end(JSON.stringify(body))
}

/**
 * The user's identity infrastructure in one origin: XRPC handle resolution, `/.well-known/atproto-did`, a PLC
 * directory (`GET /<did>`, percent-encoded or not) and the did:web document of the did:web account.
 */
export function identityRouter(deps: IdentityDeps): Router {
  const r = Router()
  const resolve = (handle: string): string | undefined => {
    const h = handle.toLowerCase()
    const override = deps.faults()?.handleResolvesTo?.[h]
    if (override) return override
    return deps.accounts.find((a) => a.handle === h)?.did
  }
  r.get('/xrpc/com.atproto.identity.resolveHandle', (req, res) => {
    const handle = typeof req.query.handle === 'string' ? req.query.handle : ''
    if (!handle) return json(res, 400, { error: 'InvalidRequest', message: 'Error: Params must have the property "handle"' })
    const did = resolve(handle)
    if (!did) return json(res, 400, { error: 'InvalidRequest', message: 'Unable to resolve handle' })
    json(res, 200, { did })
  })
  r.get('/.well-known/atproto-did', (req: Request, res: Response) => {
    const did = resolve((req.headers.host ?? '').split(':')[0] ?? '')
    res.setHeader('Content-Type', 'text/plain; charset=utf-8')
    if (!did) return void res.status(404).end('no DID for this host')
    res.status(200).end(did)
  })
  // The PDS of foreign accounts, protected by its own authorization server (this origin too), so a client
  // verifying a foreign sub (BIND-03) finds another issuer without any request leaving the machine.
  r.get('/.well-known/oauth-protected-resource', (_req, res) => {
    if (!deps.origin) return json(res, 404, { message: 'not a PDS' })
    json(res, 200, { resource: deps.origin(), authorization_servers: [deps.origin()], scopes_supported: [], bearer_methods_supported: ['header'] })
  })
  r.get('/.well-known/oauth-authorization-server', (_req, res) => {
    if (!deps.origin) return json(res, 404, { message: 'not an authorization server' })
    const issuer = deps.origin()
    json(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
      require_pushed_authorization_requests: true,
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      scopes_supported: ['atproto'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      dpop_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      protected_resources: [issuer],
    })
  })
  r.get('/.well-known/did.json', (_req, res) => {
    const account = deps.accounts.find((a) => a.method === 'web')
    if (!account) return json(res, 404, { message: 'no did:web account here' })
    json(res, 200, didDocument(account, deps))
  })
  r.get('/:did', (req, res) => {
    // The router decoded the segment once; a DID may arrive encoded twice (`did%253Aplc…`), or be a bad escape.
    let did = String(req.params.did)
    try {
      did = decodeURIComponent(did)
    } catch {
      return json(res, 404, { message: `DID not registered: ${did}` })
    }
    if (!did.startsWith('did:plc:')) return json(res, 404, { message: `DID not registered: ${did}` })
    const account = deps.accounts.find((a) => a.did === did)
    if (!account) return json(res, 404, { message: `DID not registered: ${did}` })
    json(res, 200, didDocument(account, deps), 'application/did+ld+json; charset=utf-8')
  })
  return r
}
