import type { Clock } from '../model/clock.ts'

/** One entry of a lexicon `permission-set` ([LEX] "Permission Set"): a resource and its parameters. */
export interface LexPermission {
  type: 'permission'
  resource: string
  [param: string]: string | number | boolean | string[] | undefined
}

/** The `main` def of a published lexicon: a permission set (or, by fault, something else). */
export interface PermissionSetDef {
  type: 'permission-set'
  title?: string
  detail?: string
  permissions: LexPermission[]
}

/** A `com.atproto.lexicon.schema` record as its owner publishes it. */
export interface LexiconDocument {
  lexicon: 1
  id: string
  defs: { main: PermissionSetDef | { type: string; [k: string]: unknown } }
}

/** The service every granular-scope scenario names: its DID, its service id and the reference clients spell. */
export const CONFORMANCE_SERVICE = {
  did: 'did:web:svc.conformance.test',
  id: 'test_svc',
  ref: 'did:web:svc.conformance.test#test_svc',
} as const

/** NSID of the permission set the World publishes for the client app (`test.conformance.*` is the app's namespace). */
export const CONFORMANCE_SET = 'test.conformance.authFull'

/**
 * The set as its owner publishes it. Besides what it grants (two collections, one method with `inheritAud`) it
 * carries entries the reference AS must leave out of the expansion (SCOPE-10): a blob permission, an `rpc` with
 * a fixed audience, and a collection outside the set's namespace.
 */
export const CONFORMANCE_SET_PERMISSIONS: LexPermission[] = [
  { type: 'permission', resource: 'repo', collection: ['test.conformance.post', 'test.conformance.like'] },
  { type: 'permission', resource: 'rpc', lxm: ['test.conformance.getFeed'], inheritAud: true },
  { type: 'permission', resource: 'blob', accept: ['image/*'] },
  { type: 'permission', resource: 'rpc', lxm: ['test.conformance.getSecret'], aud: 'did:web:other.test#svc' },
  { type: 'permission', resource: 'repo', collection: ['app.bsky.feed.post'] },
]

export function permissionSetDocument(nsid: string, permissions: LexPermission[]): LexiconDocument {
  return {
    lexicon: 1,
    id: nsid,
    defs: {
      main: {
        type: 'permission-set',
        title: 'Conformance test app',
        detail: 'Posts and likes of the conformance test app, and its feed',
        permissions,
      },
    },
  }
}

/** What the World gets wrong about permission sets (fault plan `permissions.sets`). */
export interface PermissionSetFaults {
  /** NSIDs whose resolution fails (no `_lexicon` DNS record, no DID, or no record in the owner's repo). */
  unresolvable?: string[]
  /** NSIDs whose published lexicon is not a permission set (e.g. a record type). */
  notPermissionSet?: string[]
  /** NSID → the permissions its owner has republished (the AS sees them once its copy is stale). */
  republish?: Record<string, LexPermission[]>
  /** The AS keeps no copy: every lookup resolves anew (an AS restarted without its store, or another instance). */
  noCache?: boolean
}

/** Reference `LEXICON_REFRESH_FREQUENCY`: a cached lookup (success or failure) is reused for 5 min. */
export const LEXICON_REFRESH_MS = 5 * 60 * 1000

/** The resolver's failure, in the reference's words (`LexResolverError`: `<description> (<nsid>)`). */
export class LexiconResolutionError extends Error {
  constructor(nsid: string, description = 'Could not resolve Lexicon for NSID') {
    super(`${description} (${nsid})`)
  }
}

interface CacheEntry {
  updatedAt: number
  lexicon: LexiconDocument | null
}

/**
 * The lexicons published in the World and the AS's cached view of them, like the reference `LexiconGetter`:
 * a lookup newer than 5 min is reused (a failure too); a failed re-resolution keeps the previous copy; a
 * successful one replaces it. The resolution chain itself (DNS `_lexicon.<authority>` TXT → DID → the owner's
 * `com.atproto.lexicon.schema` record) never shows on the client's wire, so it is modelled here in memory.
 */
export class PermissionSetResolver {
  readonly #published = new Map<string, LexPermission[]>()
  readonly #cache = new Map<string, CacheEntry>()

  constructor(
    readonly clock: Clock,
    readonly faults: () => PermissionSetFaults | undefined,
  ) {
    this.#published.set(CONFORMANCE_SET, CONFORMANCE_SET_PERMISSIONS)
  }

  /** What resolving `nsid` on the network would return right now. */
  #resolve(nsid: string): LexiconDocument | null {
    const f = this.faults()
    if (f?.unresolvable?.includes(nsid)) return null
    const permissions = f?.republish?.[nsid] ?? this.#published.get(nsid)
    if (!permissions) return null
    if (f?.notPermissionSet?.includes(nsid)) {
      return { lexicon: 1, id: nsid, defs: { main: { type: 'record', key: 'tid' } } }
    }
    return permissionSetDocument(nsid, permissions)
  }

  /** The permission set for `nsid`, or the reference's LexResolverError. */
  get(nsid: string): PermissionSetDef {
    const now = this.clock.now()
    let entry = this.#cache.get(nsid)
    const noCache = this.faults()?.noCache === true
    if (!entry || noCache || now - entry.updatedAt >= LEXICON_REFRESH_MS) {
      const fresh = this.#resolve(nsid)
      entry = { updatedAt: now, lexicon: fresh ?? (noCache ? null : (entry?.lexicon ?? null)) }
      this.#cache.set(nsid, entry)
    }
    if (!entry.lexicon) throw new LexiconResolutionError(nsid)
    const main = entry.lexicon.defs.main
    if (main.type !== 'permission-set') throw new LexiconResolutionError(nsid, 'Lexicon document is not a permission set')
    return main as PermissionSetDef
  }
}
