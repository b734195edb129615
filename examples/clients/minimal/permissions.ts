/**
 * What the client knows about granular permissions ([PERM]). The clean client does not gate calls itself: it
 * makes the call and reports a 403 as a permission problem (RES-05), which stays right whatever form the AS
 * grants a permission set in (expanded, SCOPE-08, or as the raw `include:`). These helpers serve the flaws that
 * read the grant wrongly.
 */

/** An XRPC request to the user's PDS. */
export interface ResourceRequest {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  /** Content-Type of a non-JSON body (a blob). */
  contentType?: string
  /** The `atproto-proxy` service reference (`did…#service`) of a proxied call. */
  proxy?: string
}

/** The `include:` tokens of a scope string. */
export function includesOf(scope: string): string[] {
  return scope.split(' ').filter((t) => t.startsWith('include:'))
}

const REPO_WRITES = ['createRecord', 'putRecord', 'deleteRecord', 'applyWrites'].map((m) => `/xrpc/com.atproto.repo.${m}`)

/**
 * Whether the grant lists an expanded permission of the call's resource (`repo`, `blob`, `rpc`) or
 * `transition:generic`. A raw `include:` counts for nothing here: the mistake of the `expanded-grant-only` flaw.
 */
export function grantAllows(scope: string, req: ResourceRequest): boolean {
  const tokens = scope.split(' ')
  const has = (resource: string) => tokens.includes('transition:generic') || tokens.some((t) => t.startsWith(`${resource}:`) || t.startsWith(`${resource}?`))
  const path = req.path.split('?')[0]!
  if (REPO_WRITES.includes(path)) return has('repo')
  if (path === '/xrpc/com.atproto.repo.uploadBlob') return has('blob')
  if (req.proxy || path === '/xrpc/com.atproto.server.getServiceAuth') return has('rpc')
  return true
}
