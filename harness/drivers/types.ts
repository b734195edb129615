import type { AuthorizationResponse, UserChoice } from '../user-agent.ts'

/** What the harness tells a client about the World it runs in. */
export interface DriverContext {
  /** XRPC service that answers com.atproto.identity.resolveHandle. */
  handleResolver: string
  /** PLC directory base URL. */
  plcDirectoryUrl: string
  /** The loopback redirect URI a public client should register (nobody listens there: the harness delivers the callback). */
  redirectUri: string
  /**
   * The client's own https origin inside the World (`https://client.world.internal`). A confidential or web client
   * serves its metadata here through `hostDocument`, and uses it for its client_id and redirect URIs.
   */
  clientOrigin: string
  /** Serves a JSON document at `clientOrigin + path` for the AS to fetch; returns its URL. */
  hostDocument(path: string, body: unknown): string
  /**
   * Public (loopback), confidential (private_key_jwt, metadata served under clientOrigin) or native (a public
   * app with a metadata document under clientOrigin and a custom-scheme redirect, `test.client:/callback`).
   */
  clientKind: 'public' | 'confidential' | 'native'
  /** How a confidential client publishes its public keys in its metadata: inline `jwks` or a `jwks_uri`. */
  publishKeysBy: 'jwks' | 'jwks_uri'
  /** Whether the World speaks plain http (clients must enable their development mode, e.g. allowHttp). */
  allowHttp: boolean
  /** The scenario's id, for client-side logs. */
  scenarioId: string
  /**
   * Granular-scope scenarios: the scope the client declares in its metadata and requests (permission scopes
   * and `include:` permission sets, docs/permissions.md) instead of its default. Absent: the client's own scope.
   */
  scope?: string
  /**
   * The client's clock, which the steps move (`advanceClock` with `client`). An in-process client that reads
   * time only from here reports the `clientClock` capability; process drivers run the client under faketime.
   */
  clock?: { now(): number }
}

/** What a client can do; scenarios that need a missing capability are SKIPped with the reason. */
export interface Capabilities {
  /** Authenticates with private_key_jwt (a confidential client). */
  confidential: boolean
  /** Can run as a native app (`clientKind: native`). */
  native?: boolean
  refresh: boolean
  restore: boolean
  signOut: boolean
  /** Declares and requests the scope of `DriverContext.scope` (granular permissions); scenarios that set one need it. */
  granularScopes?: boolean
  /** The client reads time from the harness's clock (DriverContext.clock, or faketime for a process). */
  clientClock?: boolean
  /** The driver can make the client's session store fail on write (`failStoreWrites`). */
  storeFaults?: boolean
  /**
   * The client speaks only https (a production-only library: no allowHttp). The runner then gives it a World
   * under https host names (in-process clients), or SKIPs the scenario with the reason (other drivers).
   */
  httpsOnly?: boolean
}

/** What the app asks of a login beyond the account. */
export interface AuthorizeOptions {
  /** The scope to request instead of the client's default (a scope upgrade, SCOPE-06). */
  scope?: string
}

/** A logged-in session as the client reports it. */
export interface SessionInfo {
  sub: string
  scope?: string
}

/** An authenticated call the client makes to the user's PDS through its own DPoP fetch. */
export interface ResourceCall {
  method: 'GET' | 'POST'
  /** XRPC path, e.g. `/xrpc/com.atproto.server.getSession`. */
  path: string
  /** JSON body, or the bytes of a blob as text when `contentType` is set. */
  body?: unknown
  /** Content-Type of a non-JSON body (`uploadBlob`). */
  contentType?: string
  /** A proxied call: the `atproto-proxy` service reference (`did…#service`) the call is meant for. */
  proxy?: string
}

export interface ResourceResult {
  status: number
  body: unknown
}

/**
 * The operations every driver offers; a scenario never knows which driver runs it. Each rejects with
 * `ClientRejected` when the client said no (a negative scenario may want that) or with `HarnessError`
 * when the client crashed, hung or broke the protocol (ERROR, never PASS).
 */
export interface Driver {
  init(ctx: DriverContext): Promise<Capabilities>
  /** Starts a login for a handle, DID or PDS/entryway URL; returns the URL the browser should open. */
  authorize(input: string, options?: AuthorizeOptions): Promise<{ authorizationUrl: string }>
  /**
   * Hands the authorization response to the client: its parameters, and the redirect as the browser delivered
   * it (the URL, and the mode: a client that reads the response itself takes `response`).
   */
  callback(params: URLSearchParams, response?: AuthorizationResponse): Promise<SessionInfo>
  call(req: ResourceCall): Promise<ResourceResult>
  /** Forces a token refresh now. */
  refresh(): Promise<SessionInfo>
  /** Restores the stored session of `sub` as a fresh client instance would after a restart. */
  restore(sub: string): Promise<SessionInfo>
  signOut(): Promise<void>
  /** Optional (capability `storeFaults`): from now on every write to the client's session store fails. */
  failStoreWrites?(): Promise<void>
  dispose(): Promise<void>
  /**
   * Optional: the driver plays the user at the consent page itself (the browser driver's real browser), instead
   * of the harness's headless user agent. Returns the authorization response that reached the client.
   */
  completeAuthorization?(authorizationUrl: string, allowedOrigins: readonly string[], choice: UserChoice): Promise<AuthorizationResponse>
  /** Optional: screenshots (PNG, base64) for the scenario's report; read once the steps are over. */
  artifacts?(): Promise<{ name: string; png: string }[]>
  /** Optional: the client's own log for the report (a process's stderr, bounded); read after `dispose`. */
  log?(): string | undefined
}

const CLIENT_REJECTED = Symbol.for('atproto-oauth-conformance.ClientRejected')

/**
 * The client under test refused an operation: its own error code and message. Recognised by a registered-symbol
 * brand (`isClientRejected`), not `instanceof`, so an adapter whose copy of this package resolves to another
 * module instance (a user's project, a bundler) is still understood.
 */
export class ClientRejected extends Error {
  readonly [CLIENT_REJECTED] = true
  override readonly name = 'ClientRejected'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Whether `err` is a ClientRejected from any copy of this package. */
export function isClientRejected(err: unknown): err is ClientRejected {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[CLIENT_REJECTED] === true && typeof (err as { code?: unknown }).code === 'string'
}

/** The driver cannot run on this machine (no Chromium…): its scenarios SKIP with this message as the reason. */
export class DriverUnavailable extends Error {}

/** An in-process adapter: a factory the in-process driver calls once per scenario. */
export type ClientAdapterFactory = () => Driver | Promise<Driver>
