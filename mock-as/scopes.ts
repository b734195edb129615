import { IncludeScope, isAtprotoOauthScope } from '@atproto/oauth-scopes'
import { InvalidScopeError } from '../protocol/errors.ts'
import type { PermissionSetDef, PermissionSetResolver } from './permission-sets.ts'

/**
 * The scope the AS keeps for a request, after the literal check against the metadata (done by the caller):
 * duplicates removed, then every token that does not parse as an atproto permission dropped without an error
 * (reference `request-manager.ts` `validate()`, `filter(isAtprotoOauthScope)`; SCOPE-09). `refuseUnparsable`
 * is what stricter servers do: the whole request fails with `invalid_scope`.
 */
export function keptRequestScope(requested: readonly string[], refuseUnparsable: boolean): string {
  const unique = [...new Set(requested)]
  const unparsable = unique.filter((s) => !isAtprotoOauthScope(s))
  if (refuseUnparsable && unparsable.length > 0) {
    throw new InvalidScopeError(`Invalid scope "${unparsable[0]}"`)
  }
  return unique.filter((s) => isAtprotoOauthScope(s)).join(' ')
}

function includesOf(scope: string): IncludeScope[] {
  return scope
    .split(' ')
    .map((s) => IncludeScope.fromString(s))
    .filter((s): s is IncludeScope => s !== null)
}

/** Resolves every `include:` of the scope; throws the resolver's error for the first that fails (PAR-11). */
export function resolveIncludes(scope: string, sets: PermissionSetResolver): Map<string, PermissionSetDef> {
  const out = new Map<string, PermissionSetDef>()
  for (const include of includesOf(scope)) out.set(include.nsid, sets.get(include.nsid))
  return out
}

/**
 * The token's scope as the reference builds it (`lexicon-manager.ts` `buildTokenScope()`): each `include:`
 * replaced by the set's `repo:`/`rpc:` permissions in canonical spelling, the expansions first and the other
 * tokens after them, unchanged. Throws the resolver's error when a set cannot be resolved.
 */
export function buildTokenScope(scope: string, sets: PermissionSetResolver): string {
  const includes = includesOf(scope)
  if (includes.length === 0) return scope
  const resolved = resolveIncludes(scope, sets)
  const others = scope.split(' ').filter((s) => IncludeScope.fromString(s) === null)
  const expanded: string[] = includes.flatMap((i) => i.toScopes(resolved.get(i.nsid)!))
  return [...expanded, ...others].join(' ')
}

/** One block of the consent page: a requested token and what it grants. */
export interface ScopeGroup {
  /** The requested token the user approves or removes. */
  token: string
  /** The set's title (the NSID as fallback), or the resource kind. */
  title: string
  detail?: string
  /** What the token grants, in canonical spelling (a set's expansion, else the token itself). */
  grants: string[]
}

/** The requested scope, grouped for the consent page: each `include:` expanded under its set's title. */
export function consentGroups(scope: string, sets: PermissionSetResolver): ScopeGroup[] {
  return scope
    .split(' ')
    .filter(Boolean)
    .map((token): ScopeGroup => {
      const include = IncludeScope.fromString(token)
      if (!include) return { token, title: token.split(/[:?]/)[0]!, grants: [token] }
      try {
        const set = sets.get(include.nsid)
        return { token, title: set.title ?? include.nsid, detail: set.detail, grants: include.toScopes(set) }
      } catch (err) {
        return { token, title: include.nsid, detail: (err as Error).message, grants: [] }
      }
    })
}
