import { Router } from 'express'
import type { Request } from 'express'
import type { Clock } from '../model/clock.ts'
import { verifyDpopProof, type VerifiedProof } from '../protocol/dpop.ts'
import { SUPPORTED_ALGS } from '../protocol/jws.ts'
import type { NonceManager, ReplayStore } from '../protocol/nonce.ts'
import type { Account } from '../mock-pds/identity/accounts.ts'
import type { AccessTokenSigner } from './access-token.ts'
import { DEFAULT_FETCH_LIMITS, type FetchLimits, type HostMap } from './client-metadata-fetch.ts'
import { ClientRegistry } from './clients.ts'
import type { FaultPlan, InjectedFailure } from './faults.ts'
import type { OAuthHandlerDeps } from './http/oauth-handler.ts'
import type { Profile } from './profile.ts'
import { AuthStore } from './store.ts'
import { PermissionSetResolver } from './permission-sets.ts'
import type { ResponseHolds } from './holds.ts'
import { sendExpressNotFound } from './http/not-found.ts'
import { asMetadataEndpoint, jwksEndpoint } from './endpoints/metadata.ts'
import { parEndpoint } from './endpoints/par.ts'
import { authorizePageEndpoint, consentEndpoint } from './endpoints/authorize.ts'
import { tokenEndpoint } from './endpoints/token.ts'
import { revokeEndpoint } from './endpoints/revoke.ts'

/** Everything a mock AS needs from its World. */
export interface AuthServerDeps {
  /** The issuer (public origin), known once the server listens. */
  issuer: () => string
  /** Origins of the resource servers this AS protects (`protected_resources`). */
  protectedResources: () => string[]
  /** The service DID of the PDS, used as the access token `aud` (reference §5). */
  pdsServiceDid: () => string
  profile: Profile
  faults: FaultPlan
  clock: Clock
  realClock: Clock
  /** Undefined when the fault plan disables nonces. */
  nonces: NonceManager | undefined
  replay: ReplayStore
  tokens: AccessTokenSigner
  accounts: readonly Account[]
  hosts: HostMap
  fetchLimits?: FetchLimits
  /** Overrides the profile's client metadata and JWKS cache lifetime (ms; 0: no cache). */
  clientMetadataCacheTtlMs?: number
  onHarnessFault(err: unknown, req: Request): void
  /** Responses held until the scenario releases them (fault `holdResponse`). */
  holds: ResponseHolds
}

/** A hand-written atproto entryway authorization server; one instance per World. */
export class AuthServer {
  readonly store = new AuthStore()
  readonly #failuresUsed = new Map<string, number>()
  readonly clients: ClientRegistry
  readonly handlerDeps: OAuthHandlerDeps
  /** The lexicon permission sets published in the World, as this AS resolves and caches them. */
  readonly permissionSets: PermissionSetResolver

  constructor(readonly deps: AuthServerDeps) {
    this.permissionSets = new PermissionSetResolver(deps.clock, () => deps.faults.permissions?.sets)
    this.clients = new ClientRegistry({
      issuer: deps.issuer,
      hosts: deps.hosts,
      clock: deps.clock,
      realClock: deps.realClock,
      fetchLimits: deps.fetchLimits ?? DEFAULT_FETCH_LIMITS,
      requireAssertionExp: deps.profile.name === 'strict',
      cacheTtlMs: deps.clientMetadataCacheTtlMs ?? deps.profile.clientMetadataCacheTtlMs,
      refuseUnusedCredentials: deps.profile.name === 'strict',
    })
    this.handlerDeps = {
      nextNonce: () => deps.nonces?.next(),
      acceptJson: deps.profile.acceptJsonBodies,
      referenceBodies: deps.profile.referenceParsing,
      onHarnessFault: deps.onHarnessFault,
    }
  }

  get issuer(): string {
    return this.deps.issuer()
  }

  /** Verifies the request's DPoP proof, if any, against this AS (htu = issuer + path, reference §11.1). */
  verifyDpop(req: Request): VerifiedProof | undefined {
    const { profile } = this.deps
    return verifyDpopProof({
      header: req.headers.dpop,
      htm: req.method,
      htu: this.issuer + req.path,
      now: this.deps.realClock.now(),
      nonces: this.deps.nonces,
      replay: this.deps.replay,
      algs: profile.acceptUnlistedDpopAlgs ? SUPPORTED_ALGS : profile.dpopAlgs,
      strictHtu: !profile.tolerateHtuQuery,
    })
  }

  /** Takes one scheduled failure of an endpoint (fault plan `failures`), while any is left. */
  takeFailure(endpoint: keyof NonNullable<FaultPlan['failures']>): InjectedFailure | undefined {
    const failure = this.deps.faults.failures?.[endpoint]
    const used = this.#failuresUsed.get(endpoint) ?? 0
    if (!failure || used >= (failure.times ?? 1)) return undefined
    this.#failuresUsed.set(endpoint, used + 1)
    return failure
  }

  findAccount(identifier: string): Account | undefined {
    const id = identifier.trim().toLowerCase().replace(/^@/, '')
    return this.deps.accounts.find((a) => !a.foreign && (a.handle === id || a.did === identifier.trim()))
  }

  /** The routes of the AS, to mount on its own origin (entryway) or beside the PDS (self-hosted). */
  router(): Router {
    // The reference's OAuth router matches paths exactly: no trailing slash, no other case, no HEAD.
    const r = Router({ caseSensitive: true, strict: true })
    r.head(['/.well-known/oauth-authorization-server', '/oauth/jwks'], sendExpressNotFound)
    r.get('/.well-known/oauth-authorization-server', asMetadataEndpoint(this))
    r.get('/oauth/jwks', jwksEndpoint(this))
    r.post('/oauth/par', parEndpoint(this))
    r.get('/oauth/authorize', authorizePageEndpoint(this))
    r.post('/oauth/authorize/consent', consentEndpoint(this))
    r.post('/oauth/token', tokenEndpoint(this))
    r.post('/oauth/revoke', revokeEndpoint(this))
    r.options(['/oauth/par', '/oauth/token', '/oauth/revoke', '/.well-known/oauth-authorization-server', '/oauth/jwks'], (_req, res) => {
      res.status(200)
      res.setHeader('Access-Control-Max-Age', '86400')
      res.setHeader('Access-Control-Allow-Origin', '*')
      res.setHeader('Access-Control-Allow-Methods', '*')
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type,DPoP')
      res.end()
    })
    // reference §2: GET on the POST-only OAuth endpoints.
    r.get('/oauth/par', (_req, res) => {
      res.status(405).end()
    })
    // reference §2: anything else under /oauth (e.g. `GET /oauth/token`) gets Express's own HTML 404 page.
    r.use('/oauth', sendExpressNotFound)
    return r
  }
}
