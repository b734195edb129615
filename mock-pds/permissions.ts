import type { Response } from 'express'
import { ScopeMissingError, ScopePermissionsTransition } from '@atproto/oauth-scopes'
import type { PermissionFaults } from '../mock-as/faults.ts'
import type { TokenSession } from '../mock-as/store.ts'

/**
 * The permissions a session holds at the PDS, read like the reference (`auth-verifier.ts`):
 * `ScopePermissionsTransition` over the granted scope, so `transition:generic` still covers repo, blob and
 * non-chat rpc. The PDS reads the expanded grant (`enforcedScope`) even when the token response carried a raw
 * `include:` (fault `permissions.grantIncludeUnexpanded`): that server expands it on its own side.
 */
export function permissionsOf(session: TokenSession): ScopePermissionsTransition {
  return new ScopePermissionsTransition(session.enforcedScope.split(' '))
}

/**
 * Answers a missing permission. Reference: 403 `{"error":"ScopeMissingError","message":"Missing required
 * scope \"<scope>\""}` with no `WWW-Authenticate` (RES-05); the fault names the variants other servers send.
 */
export function sendScopeMissing(res: Response, err: ScopeMissingError, faults: PermissionFaults | undefined): void {
  const variant = faults?.missingScopeAnswer
  res.status(403)
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  if (variant === 'insufficient_scope-challenge') {
    // RFC 6750 §3.1 spelling; the quoted scope in the message cannot go into a quoted auth-param.
    res.setHeader('WWW-Authenticate', `DPoP error="insufficient_scope", scope="${err.scope.replace(/"/g, '')}"`)
    res.setHeader('Access-Control-Expose-Headers', 'DPoP-Nonce, WWW-Authenticate')
    return void res.end(JSON.stringify({ error: 'insufficient_scope', message: err.message }))
  }
  res.end(JSON.stringify({ error: variant ?? 'ScopeMissingError', message: err.message }))
}

export { ScopeMissingError }
