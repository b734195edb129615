import type { Request, Response, Router } from 'express'
import { XrpcError } from '../protocol/errors.ts'
import type { Account } from './identity/accounts.ts'
import type { ResourceAuth } from './resource-auth.ts'

/** What the read-side and account methods need from the PDS. */
export interface RepoReadsDeps {
  authed(handler: (req: Request, auth: ResourceAuth) => unknown): (req: Request, res: Response) => void
  xrpc(handler: (req: Request, auth: ResourceAuth | undefined, res: Response) => unknown, requireAuth: boolean): (req: Request, res: Response) => void
  /** Reference `authorizationOrAdminTokenOptional()`: undefined for an anonymous call. */
  optionalAuth(req: Request, res: Response): ResourceAuth | undefined
  /** Reference `refresh()`: always refuses (the mock issues no legacy refresh tokens). */
  refreshAuth(req: Request, res: Response): never
  accounts: readonly Account[]
  serviceDid: () => string
  records: readonly { uri: string; cid: string; value: unknown }[]
  repo: { cid: string; rev: string }
}

/**
 * Reference params check (xrpc-server, before authentication): a required string parameter, worded as
 * the reference's schema validator words it.
 */
function param(req: Request, name: string): string {
  const v = req.query[name]
  if (typeof v !== 'string') throw new XrpcError(400, 'InvalidRequest', `Invalid ${String(req.params.nsid ?? req.path.slice(6))} params: Missing required key "${name}"`)
  return v
}

/**
 * The methods a client calls to read a repository or its account, as `@atproto/pds` 0.5.35 answers them:
 * describeServer, listRecords, getRecord (no authentication), getLatestCommit (optional), checkAccountStatus,
 * getAccountInviteCodes (refused to OAuth credentials once authenticated), refreshSession and deleteSession
 * (legacy refresh tokens only).
 */
export function registerRepoReads(r: Router, deps: RepoReadsDeps): void {
  const { authed } = deps
  const find = (actor: string) => deps.accounts.find((a) => a.did === actor || a.handle === actor.toLowerCase())
  const recordsOf = (did: string, collection: string) =>
    deps.records.filter((rec) => rec.uri.startsWith(`at://${did}/${collection}/`)).reverse()

  r.get(
    '/xrpc/com.atproto.server.describeServer',
    deps.xrpc(
      () => ({
        did: deps.serviceDid(),
        availableUserDomains: ['.test'],
        inviteCodeRequired: false,
        blobUploadLimit: 5 * 1024 * 1024,
        links: {},
        contact: {},
      }),
      false,
    ),
  )
  r.get(
    '/xrpc/com.atproto.repo.listRecords',
    deps.xrpc((req) => {
      const repo = param(req, 'repo')
      const collection = param(req, 'collection')
      const account = find(repo)
      if (!account) throw new XrpcError(400, 'InvalidRequest', `Could not find repo: ${repo}`)
      const records = recordsOf(account.did, collection).slice(0, 50)
      const last = records.at(-1)
      // The cursor is the last record's rkey, absent (not null) when the page is empty.
      return last ? { records, cursor: last.uri.slice(last.uri.lastIndexOf('/') + 1) } : { records }
    }, false),
  )
  r.get(
    '/xrpc/com.atproto.repo.getRecord',
    deps.xrpc((req) => {
      const repo = param(req, 'repo')
      const collection = param(req, 'collection')
      const rkey = param(req, 'rkey')
      const account = find(repo)
      // Reference: an unknown repo would go to the app view; with none configured, this.
      if (!account) throw new XrpcError(400, 'InvalidRequest', 'Could not locate record')
      const uri = `at://${account.did}/${collection}/${rkey}`
      const record = deps.records.find((rec) => rec.uri === uri)
      if (!record) throw new XrpcError(400, 'RecordNotFound', `Could not locate record: ${uri}`)
      return { uri, cid: record.cid, value: record.value }
    }, false),
  )
  r.get(
    '/xrpc/com.atproto.sync.getLatestCommit',
    deps.xrpc((req, _auth, res) => {
      const did = param(req, 'did')
      deps.optionalAuth(req, res)
      if (!deps.accounts.some((a) => a.did === did)) throw new XrpcError(400, 'RepoNotFound', `Could not find repo for DID: ${did}`)
      return { cid: deps.repo.cid, rev: deps.repo.rev }
    }, false),
  )
  r.get(
    '/xrpc/com.atproto.server.checkAccountStatus',
    authed((_req, auth) => {
      const count = deps.records.filter((rec) => rec.uri.startsWith(`at://${auth.session.sub}/`)).length
      return {
        activated: true,
        validDid: true,
        repoCommit: deps.repo.cid,
        repoRev: deps.repo.rev,
        repoBlocks: 2 + 2 * count,
        indexedRecords: count,
        privateStateValues: 0,
        expectedBlobs: 0,
        importedBlobs: 0,
      }
    }),
  )
  r.get(
    '/xrpc/com.atproto.server.getAccountInviteCodes',
    authed(() => {
      // Reference: the scope check of this method refuses every OAuth session, after authentication.
      throw new XrpcError(403, 'Forbidden', 'OAuth credentials are not supported for this endpoint')
    }),
  )
  for (const nsid of ['com.atproto.server.refreshSession', 'com.atproto.server.deleteSession']) {
    r.post(`/xrpc/${nsid}`, deps.xrpc((req, _auth, res) => deps.refreshAuth(req, res), false))
  }
}
