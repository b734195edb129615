/**
 * atproto identity: handle → DID → DID document → PDS (SPEC "Identity Authentication", DID and handle specs).
 *
 * Nothing here is cached: login, the post-token check (BIND-03) and restore always see current documents, which
 * is what DISC-12 (cache < 10 min) and DISC-19 (bypass caches when verifying) ask for.
 */
import type { Flaws } from './flaws.ts'
import { getJson, isObject, OAuthClientError, type JsonObject } from './http.ts'

export interface IdentityConfig {
  /** An XRPC service answering com.atproto.identity.resolveHandle. */
  handleResolver: string
  /** The PLC directory (`GET /<did>`). */
  plcDirectoryUrl: string
}

/** What the user typed, classified (DISC-13: a leading `@` is dropped and handles are case-insensitive). */
export type LoginInput =
  | { kind: 'handle'; handle: string }
  | { kind: 'did'; did: string }
  | { kind: 'server'; origin: string }

// Handle syntax (atproto handle spec): dot-separated DNS labels, the last one not starting with a digit.
const HANDLE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/
// The two DID methods atproto blesses (DISC-02). did:web is hostname-only in atproto (no path).
const DID_PLC = /^did:plc:[a-z2-7]{24}$/
const DID_WEB = /^did:web:[a-zA-Z0-9.-]+(%3[aA][0-9]+)?$/

/** Whether `s` is a DID of a method this client can resolve (did:plc, hostname-level did:web). */
export function isAtprotoDid(s: unknown): s is string {
  return typeof s === 'string' && (DID_PLC.test(s) || DID_WEB.test(s))
}

export function parseLoginInput(raw: string): LoginInput {
  const input = raw.trim()
  if (/^https?:\/\//i.test(input)) {
    let url: URL
    try {
      url = new URL(input)
    } catch {
      throw new OAuthClientError('InvalidInput', `"${raw}" is not a valid server URL`)
    }
    return { kind: 'server', origin: url.origin }
  }
  if (input.startsWith('did:')) {
    if (!isAtprotoDid(input)) {
      throw new OAuthClientError('InvalidInput', `"${raw}" is not a did:plc or did:web this client can resolve`)
    }
    return { kind: 'did', did: input }
  }
  const handle = input.replace(/^@/, '').toLowerCase()
  if (!HANDLE.test(handle)) {
    throw new OAuthClientError('InvalidInput', `"${raw}" is neither a handle (alice.example.com), a DID nor a server URL`)
  }
  return { kind: 'handle', handle }
}

/** Handle → DID through the configured XRPC resolver (`com.atproto.identity.resolveHandle`). */
export async function resolveHandle(handle: string, config: IdentityConfig): Promise<string> {
  const url = new URL('/xrpc/com.atproto.identity.resolveHandle', config.handleResolver)
  url.searchParams.set('handle', handle)
  const body = await getJson(url.href, `resolving the handle ${handle}`, 'HandleResolutionFailed')
  const did = body?.did
  if (!isAtprotoDid(did)) {
    throw new OAuthClientError('HandleResolutionFailed', `the handle ${handle} resolved to ${JSON.stringify(did)}, which is not a did:plc or did:web`)
  }
  return did
}

/** Where the DID document of `did` lives: the PLC directory, or `/.well-known/did.json` of a did:web host. */
function didDocumentUrl(did: string, config: IdentityConfig): string {
  if (did.startsWith('did:plc:')) return new URL(`/${encodeURIComponent(did)}`, config.plcDirectoryUrl).href
  const host = decodeURIComponent(did.slice('did:web:'.length))
  // did:web spec: https, except that a localhost host may be served over http in development.
  const scheme = host === 'localhost' || host.startsWith('localhost:') ? 'http' : 'https'
  return `${scheme}://${host}/.well-known/did.json`
}

export async function resolveDidDocument(did: string, config: IdentityConfig): Promise<JsonObject> {
  if (!isAtprotoDid(did)) throw new OAuthClientError('DidResolutionFailed', `${JSON.stringify(did)} is not a did:plc or did:web`)
  const doc = await getJson(didDocumentUrl(did, config), `resolving the DID document of ${did}`, 'DidResolutionFailed')
  if (doc?.id !== did) {
    throw new OAuthClientError('DidResolutionFailed', `the DID document fetched for ${did} is the document of ${JSON.stringify(doc?.id)}`)
  }
  return doc
}

/** DISC-03: the document claims the handle (`at://<handle>` in alsoKnownAs). Handles compare case-insensitively. */
export function documentClaimsHandle(doc: JsonObject, handle: string): boolean {
  const aka = Array.isArray(doc.alsoKnownAs) ? doc.alsoKnownAs : []
  return aka.some((a) => typeof a === 'string' && a.toLowerCase() === `at://${handle}`)
}

/**
 * DISC-04: the PDS is the `serviceEndpoint` of the service with id `#atproto_pds` (or `<did>#atproto_pds`) and
 * type `AtprotoPersonalDataServer`; any other service (a decoy, a labeler…) is ignored. Returns the origin.
 */
export function pdsOrigin(doc: JsonObject, did: string, flaws: Flaws): string {
  const services = Array.isArray(doc.service) ? doc.service.filter(isObject) : []
  const service = flaws.has('pds-from-first-service')
    ? services[0]
    : services.find((s) => (s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`) && s.type === 'AtprotoPersonalDataServer')
  const endpoint = service?.serviceEndpoint
  let url: URL | undefined
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : undefined
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new OAuthClientError(
      'NoPds',
      service
        ? `the #atproto_pds service of ${did} has no usable serviceEndpoint (${JSON.stringify(endpoint)})`
        : `the DID document of ${did} has no service with id #atproto_pds and type AtprotoPersonalDataServer`,
    )
  }
  return url.origin
}
