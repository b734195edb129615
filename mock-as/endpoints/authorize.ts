import type { Request, Response } from 'express'
import type { BodyRequest } from '../../model/body.ts'
import { OAuthError } from '../../protocol/errors.ts'
import type { AuthServer } from '../auth-server.ts'
import { LIFETIMES } from '../lifetimes.ts'
import { renderConsentPage, renderErrorPage, renderFormPost } from '../consent-page.ts'
import { ids, type PushedRequest } from '../store.ts'
import { createPushedRequest } from './par.ts'
import { consentGroups } from '../scopes.ts'

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:req-[0-9a-f]{32}$/

function htmlError(res: Response, status: number, error: string, description: string): void {
  res.status(status)
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.end(renderErrorPage(error, description))
}

function firstQuery(req: Request, name: string): string | undefined {
  const v = req.query[name]
  return typeof v === 'string' ? v : undefined
}

/**
 * Sends the authorization response to the client's redirect_uri (RFC 6749 §4.1.2, RFC 9207 `iss`), in the
 * requested response mode. The fault plan's `authorizeResponse` seam tampers with it here. Parameter order
 * is state, iss, result; `issFirst` gives iss, state, result, as the reference's early error redirect does
 * (reference-wire.md §4 `authorize-page-wrong-client-id`).
 */
function redirectToClient(
  as: AuthServer,
  res: Response,
  request: PushedRequest,
  result: [string, string][],
  issFirst = false,
): void {
  const fault = as.deps.faults.authorizeResponse
  const head: [string, string][] = []
  if (request.state !== undefined && fault?.state !== 'omit') {
    head.push(['state', fault?.state === 'tamper' ? `${request.state}-tampered` : request.state])
  }
  const iss = fault?.iss === undefined ? as.issuer : fault.iss
  if (iss !== null) head[issFirst ? 'unshift' : 'push'](['iss', iss])
  const params: [string, string][] = [...head, ...result]
  res.setHeader('Cache-Control', 'no-store')
  if (request.responseMode === 'form_post') {
    res.status(200).setHeader('Content-Type', 'text/html; charset=utf-8')
    res.end(renderFormPost(request.redirectUri, params))
    return
  }
  const url = new URL(request.redirectUri)
  const encoded = new URLSearchParams(params).toString()
  const location = request.responseMode === 'fragment' ? `${url.href.split('#')[0]}#${encoded}` : appendQuery(url, params)
  res.status(303).setHeader('Location', location)
  res.end()
}

function appendQuery(url: URL, params: [string, string][]): string {
  for (const [k, v] of params) url.searchParams.append(k, v)
  return url.href
}

// reference-wire.md §4, §11.5 (`validateFetchSite` of @atproto/oauth-provider): the page is for a browser's
// navigation, and a request without Fetch-Metadata headers gets `Missing sec-fetch-site header`
// (`authorize-page-no-sec-fetch`). Only the site is checked: the reference also wants `Sec-Fetch-Mode: navigate`
// and `Sec-Fetch-Dest: document`, but the harness's headless user agent uses fetch, which always sends
// `Sec-Fetch-Mode: cors`, and no capture shows those two checks.
const FETCH_SITES: readonly string[] = ['same-origin', 'same-site', 'cross-site', 'none']

/** Why a request is not a browser navigation the authorize page accepts, in the reference's words. */
function navigationError(req: Request): string | undefined {
  const site = req.headers['sec-fetch-site']
  if (Array.isArray(site)) return 'Invalid sec-fetch-site header'
  if (site === undefined) return 'Missing sec-fetch-site header'
  if (!FETCH_SITES.includes(site)) return `Forbidden sec-fetch-site header "${site}" (expected ${FETCH_SITES.join(',')})`
  return undefined
}

function lookUpRequest(as: AuthServer, requestUri: string | undefined): PushedRequest | string {
  if (requestUri === undefined || !REQUEST_URI.test(requestUri)) {
    return 'Invalid "request_uri" query parameter: Invalid request_uri format at query.request_uri'
  }
  const request = as.store.requests.get(requestUri)
  if (!request) return 'Unknown request_uri'
  if (request.expiresAt <= as.deps.clock.now()) return 'This request has expired'
  if (request.used) return 'This request was already used'
  return request
}

/** GET /oauth/authorize: PAR-only in the strict profile; renders the sign-in + consent page. */
export function authorizePageEndpoint(as: AuthServer) {
  return async (req: Request, res: Response): Promise<void> => {
    const notNavigation = navigationError(req)
    if (notNavigation) return htmlError(res, 400, 'invalid_request', notNavigation)
    const clientId = firstQuery(req, 'client_id')
    let requestUri = firstQuery(req, 'request_uri')
    if (requestUri === undefined && req.query.response_type !== undefined) {
      if (!as.deps.profile.allowNonParAuthorize) {
        return htmlError(res, 400, 'invalid_request', 'Pushed authorization requests are required (PAR-01)')
      }
      // reference §4: a direct authorization request is rendered with a freshly minted request_uri.
      try {
        const { client } = await as.clients.authenticate({ client_id: clientId }, 'par')
        requestUri = createPushedRequest(as, client, req.query as Record<string, unknown>, undefined).requestUri
      } catch (err) {
        if (err instanceof OAuthError) return htmlError(res, 400, err.error, err.description)
        throw err
      }
    }
    const prior = requestUri === undefined ? undefined : as.store.requests.get(requestUri)
    if (prior?.used) {
      // reference `requestManager.get()`: a request already answered is deleted when its page is opened again,
      // so a code not yet exchanged dies with it (`Invalid code` at the token endpoint).
      as.store.requests.delete(prior.requestUri)
      const pending = [...as.store.codes.values()].find((c) => c.request === prior && !c.consumed)
      if (pending) {
        as.store.codes.delete(pending.code)
        return redirectToClient(as, res, prior, [['error', 'access_denied'], ['error_description', 'This request was already authorized']], true)
      }
    }
    const found = lookUpRequest(as, requestUri)
    if (typeof found === 'string') return htmlError(res, 400, 'invalid_request', found)
    if (clientId !== found.clientId) {
      // reference §4: 303 straight back to the client with access_denied, iss before state.
      return redirectToClient(
        as,
        res,
        found,
        [
          ['error', 'access_denied'],
          ['error_description', 'This request was initiated for another client'],
        ],
        true,
      )
    }
    res.status(200)
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.end(renderConsentPage(found, as.issuer, undefined, consentGroups(found.scope, as.permissionSets)))
  }
}

/** POST /oauth/authorize/consent: the form of the consent page (sign in, then approve or deny). */
export function consentEndpoint(as: AuthServer) {
  return (req: Request, res: Response): void => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (type !== 'application/x-www-form-urlencoded') {
      return htmlError(res, 415, 'invalid_request', `Unsupported content-type: ${type || '(none)'}`)
    }
    const form = new URLSearchParams((req as BodyRequest).rawBody?.toString('utf8') ?? '')
    ;(req as BodyRequest).params_ = Object.fromEntries(
      [...form].map(([k, v]) => [k, k === 'password' ? '[redacted]' : v]),
    )
    const found = lookUpRequest(as, form.get('request_uri') ?? undefined)
    if (typeof found === 'string') return htmlError(res, 400, 'invalid_request', found)
    if (form.get('decision') === 'deny') {
      found.used = true
      return redirectToClient(as, res, found, [
        ['error', 'access_denied'],
        ['error_description', 'The user rejected the request'],
      ])
    }
    const account = as.findAccount(form.get('username') ?? '')
    if (!account || account.password !== form.get('password')) {
      res.status(400).setHeader('Content-Type', 'text/html; charset=utf-8')
      res.setHeader('Cache-Control', 'no-store')
      return void res.end(
        renderConsentPage(found, as.issuer, 'Invalid identifier or password', consentGroups(found.scope, as.permissionSets)),
      )
    }
    const removed = new Set(form.getAll('remove_scope'))
    if (removed.size > 0) {
      // The user may remove requested permissions, never add one; without atproto the approval is refused.
      const scope = found.scope.split(' ').filter((s) => !removed.has(s))
      if (!scope.includes('atproto')) {
        found.used = true
        return redirectToClient(as, res, found, [
          ['error', 'access_denied'],
          ['error_description', 'The "atproto" scope is required'],
        ])
      }
      found.scope = scope.join(' ')
    }
    found.used = true
    const code = ids.code()
    as.store.codes.set(code, {
      code,
      request: found,
      sub: account.did,
      expiresAt: as.deps.clock.now() + (as.deps.faults.codeLifetimeSeconds ?? LIFETIMES.codeSeconds) * 1000,
      consumed: false,
    })
    const injected = as.deps.faults.authorizeResponse?.error
    redirectToClient(as, res, found, [
      ['code', code],
      ...(injected ? ([['error', injected], ['error_description', 'Injected by the scenario']] as [string, string][]) : []),
    ])
  }
}
