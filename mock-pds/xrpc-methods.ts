import type { NextFunction, Request, Response } from 'express'
import { XrpcError } from '../protocol/errors.ts'

/**
 * The XRPC routing of the reference PDS (`@atproto/pds` 0.5.35 with no app view configured), which decides
 * the answer before any handler or authentication runs:
 *
 * - a method the PDS implements, called with the other HTTP method: 400 `Incorrect HTTP method (GET)
 *   expected POST` (xrpc-server adds one such route per implemented method);
 * - anything else goes to the catch-all proxy (`pipethrough.ts` `proxyHandler`): only GET/HEAD/POST, never
 *   and, without an `atproto-proxy` header, no service to send it to.
 *
 * The xrpc-server of the PDS is created with no lexicons, so a method it does not implement is "unknown"
 * even when it is a published lexicon (`app.bsky.actor.getPreferences` without an app view).
 */

type MethodType = 'query' | 'procedure'

const QUERIES = [
  'com.atproto.admin.getAccountInfo',
  'com.atproto.admin.getAccountInfos',
  'com.atproto.admin.getInviteCodes',
  'com.atproto.admin.getSubjectStatus',
  'com.atproto.identity.getRecommendedDidCredentials',
  'com.atproto.identity.resolveHandle',
  'com.atproto.repo.describeRepo',
  'com.atproto.repo.getRecord',
  'com.atproto.repo.listMissingBlobs',
  'com.atproto.repo.listRecords',
  'com.atproto.server.checkAccountStatus',
  'com.atproto.server.describeServer',
  'com.atproto.server.getAccountInviteCodes',
  'com.atproto.server.getServiceAuth',
  'com.atproto.server.getSession',
  'com.atproto.server.listAppPasswords',
  'com.atproto.sync.getBlob',
  'com.atproto.sync.getBlocks',
  'com.atproto.sync.getCheckout',
  'com.atproto.sync.getHead',
  'com.atproto.sync.getLatestCommit',
  'com.atproto.sync.getRecord',
  'com.atproto.sync.getRepo',
  'com.atproto.sync.getRepoStatus',
  'com.atproto.sync.listBlobs',
  'com.atproto.sync.listRepos',
  'com.atproto.temp.checkSignupQueue',
]

const PROCEDURES = [
  'com.atproto.admin.deleteAccount',
  'com.atproto.admin.disableAccountInvites',
  'com.atproto.admin.disableInviteCodes',
  'com.atproto.admin.enableAccountInvites',
  'com.atproto.admin.sendEmail',
  'com.atproto.admin.updateAccountEmail',
  'com.atproto.admin.updateAccountHandle',
  'com.atproto.admin.updateAccountPassword',
  'com.atproto.admin.updateSubjectStatus',
  'com.atproto.identity.requestPlcOperationSignature',
  'com.atproto.identity.signPlcOperation',
  'com.atproto.identity.submitPlcOperation',
  'com.atproto.identity.updateHandle',
  'com.atproto.moderation.createReport',
  'com.atproto.repo.applyWrites',
  'com.atproto.repo.createRecord',
  'com.atproto.repo.deleteRecord',
  'com.atproto.repo.importRepo',
  'com.atproto.repo.putRecord',
  'com.atproto.repo.uploadBlob',
  'com.atproto.server.activateAccount',
  'com.atproto.server.confirmEmail',
  'com.atproto.server.createAccount',
  'com.atproto.server.createAppPassword',
  'com.atproto.server.createInviteCode',
  'com.atproto.server.createInviteCodes',
  'com.atproto.server.createSession',
  'com.atproto.server.deactivateAccount',
  'com.atproto.server.deleteAccount',
  'com.atproto.server.deleteSession',
  'com.atproto.server.refreshSession',
  'com.atproto.server.requestAccountDelete',
  'com.atproto.server.requestEmailConfirmation',
  'com.atproto.server.requestEmailUpdate',
  'com.atproto.server.requestPasswordReset',
  'com.atproto.server.reserveSigningKey',
  'com.atproto.server.resetPassword',
  'com.atproto.server.revokeAppPassword',
  'com.atproto.server.updateEmail',
]

/** The methods the reference PDS serves itself, by the HTTP method each takes. */
export const REFERENCE_METHODS: ReadonlyMap<string, MethodType> = new Map([
  ...QUERIES.map((m) => [m, 'query'] as const),
  ...PROCEDURES.map((m) => [m, 'procedure'] as const),
])

/** Whether a call reaches the catch-all proxy (not a method the PDS serves itself). */
export function reachesProxy(nsid: string): boolean {
  return !REFERENCE_METHODS.has(nsid)
}

/**
 * The wrong-HTTP-method check of an implemented method (before authentication). Express serves HEAD with
 * the GET route, so HEAD on a procedure is refused and HEAD on a query is not.
 */
export function assertHttpMethod(nsid: string, method: string): void {
  const type = REFERENCE_METHODS.get(nsid)
  if (type === 'procedure' && (method === 'GET' || method === 'HEAD')) {
    throw new XrpcError(400, 'InvalidRequest', `Incorrect HTTP method (${method}) expected POST`)
  }
  if (type === 'query' && method === 'POST') throw new XrpcError(400, 'InvalidRequest', `Incorrect HTTP method (${method}) expected GET`)
}

/**
 * The catch-all proxy's first check (`proxyHandler`). Its next one, "Bad token method" for account
 * management methods, never decides here: every such method is one the PDS serves itself.
 */
export function assertProxyable(method: string): void {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new XrpcError(400, 'InvalidRequest', 'XRPC requests only supports GET and POST')
  }
}

/** What the proxy answers a call with no `atproto-proxy` header: the PDS has no default service for it. */
export function noServiceConfigured(nsid: string): XrpcError {
  return new XrpcError(400, 'InvalidRequest', `No service configured for ${nsid}`)
}

/** Express middleware form of {@link assertHttpMethod}, for the PDS router. */
export function httpMethodGuard(send: (res: Response, err: XrpcError) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      assertHttpMethod(String(req.params.nsid), req.method)
      next()
    } catch (err) {
      send(res, err as XrpcError)
    }
  }
}
