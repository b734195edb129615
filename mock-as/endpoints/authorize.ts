import type { Request, Response } from 'express'
import type { BodyRequest } from '../../model/body.ts'
import { ACTOR_HEADER } from '../../model/transcript.ts'
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

// reference-wire.md §4, §11.5 (`validateFetchSite`, `validateFetchMode`, `validateFetchDest` of
// @atproto/oauth-provider): the page is for a browser's navigation, and a request without Fetch-Metadata
// headers gets `Missing sec-fetch-site header` (`authorize-page-no-sec-fetch`). The harness's own headless
// user agent uses fetch, which always sends `Sec-Fetch-Mode: cors`: its requests (marked with the actor
// header) are checked on the site only.
const FETCH_SITES: readonly string[] = ['same-origin', 'same-site', 'cross-site', 'none']

function fetchMetadataError(req: Request, name: string, allowed: readonly string[]): string | undefined {
  const value = req.headers[`sec-fetch-${name}`]
  if (Array.isArray(value)) return `Invalid sec-fetch-${name} header`
  if (value === undefined) return `Missing sec-fetch-${name} header`
  if (!allowed.includes(value)) return `Forbidden sec-fetch-${name} header "${value}" (expected ${allowed.join(',')})`
  return undefined
}

/** Why a request is not a browser navigation the authorize page accepts, in the reference's words. */
function navigationError(req: Request): string | undefined {
  const site = fetchMetadataError(req, 'site', FETCH_SITES)
  if (site || req.headers[ACTOR_HEADER] === 'user-agent') return site
  return fetchMetadataError(req, 'mode', ['navigate']) ?? fetchMetadataError(req, 'dest', ['document'])
}

const DEVICE_COOKIE = /(?:^|;\s*)dev-id=(dev-[0-9a-f]{32})(?:;|$)/

/**
 * The browser's device id (reference `dev-id` cookie, device-manager.js): read from the request, or minted
 * and set when it has none.
 */
function deviceOf(req: Request, res: Response): string {
  const known = DEVICE_COOKIE.exec(req.headers.cookie ?? '')?.[1]
  if (known) return known
  const minted = ids.device()
  res.append('Set-Cookie', `dev-id=${minted}; Max-Age=315532800; Path=/; HttpOnly; SameSite=Lax`)
  return minted
}

/** Forgets a request and any code not yet exchanged for it (the reference deletes the request, and codes live on it). */
function forget(as: AuthServer, request: PushedRequest): void {
  as.store.requests.delete(request.requestUri)
  for (const [code, entry] of as.store.codes) if (entry.request === request && !entry.consumed) as.store.codes.delete(code)
}

function consumed(as: AuthServer, request: PushedRequest): boolean {
  for (const entry of as.store.codes.values()) if (entry.request === request && entry.consumed) return true
  return false
}

/**
 * Opening the page of a pushed request, as the reference's request-manager `get` does: an authorized,
 * expired, other-client or other-device request ends in an access_denied redirect to the client and is
 * forgotten (so its code no longer works); otherwise its inactivity timer restarts and it is bound to this
 * browser.
 */
function openRequest(as: AuthServer, req: Request, res: Response, found: PushedRequest, clientId: string): boolean {
  const deny = (why: string) => {
    forget(as, found)
    redirectToClient(as, res, found, [['error', 'access_denied'], ['error_description', why]], true)
    return false
  }
  if (found.used) return deny('This request was already authorized')
  const now = as.deps.clock.now()
  if (found.expiresAt <= now) return deny('This request has expired')
  found.expiresAt = now + LIFETIMES.authorizationInactivitySeconds * 1000
  if (clientId !== found.clientId) return deny('This request was initiated for another client')
  const device = deviceOf(req, res)
  if (!found.deviceId) found.deviceId = device
  else if (found.deviceId !== device) return deny('This request was initiated from another device')
  return true
}

function lookUpRequest(as: AuthServer, requestUri: string | undefined): PushedRequest | string {
  if (requestUri === undefined || !REQUEST_URI.test(requestUri)) {
    return 'Invalid "request_uri" query parameter: Invalid request_uri format at query.request_uri'
  }
  const request = as.store.requests.get(requestUri)
  if (!request || consumed(as, request)) return 'Unknown request_uri'
  return request
}

/** GET /oauth/authorize: PAR-only in the strict profile; renders the sign-in + consent page. */
export function authorizePageEndpoint(as: AuthServer) {
  return async (req: Request, res: Response): Promise<void> => {
    const notNavigation = navigationError(req)
    if (notNavigation) return htmlError(res, 400, 'invalid_request', notNavigation)
    const clientId = firstQuery(req, 'client_id')
    if (clientId === undefined) return htmlError(res, 400, 'invalid_request', 'Invalid request parameters: Required at query.client_id')
    let requestUri = firstQuery(req, 'request_uri')
    if (requestUri === undefined && req.query.response_type === undefined) {
      return htmlError(
        res,
        400,
        'invalid_request',
        'Invalid request parameters: Required at query.response_type, or Required at query.request, or Required at query.request, or Required at query.request_uri',
      )
    }
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
    const found = lookUpRequest(as, requestUri)
    if (typeof found === 'string') return htmlError(res, 400, 'invalid_request', found)
    // reference §4: a refusal is a 303 straight back to the client with access_denied, iss before state.
    if (!openRequest(as, req, res, found, clientId)) return
    res.status(200)
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.end(renderConsentPage(found, as.issuer, undefined, consentGroups(found.scope, as.permissionSets)))
  }
}

/**
 * Why the reference's `setAuthorized` would refuse this approval: the request expired, was opened in another
 * browser, or was already authorized. A form sent without the device cookie is let through (the probe's own
 * replays send none).
 */
function consentRefusal(as: AuthServer, req: Request, found: PushedRequest): string | undefined {
  if (found.expiresAt <= as.deps.clock.now()) return 'This request has expired'
  const device = DEVICE_COOKIE.exec(req.headers.cookie ?? '')?.[1]
  if (device && found.deviceId && device !== found.deviceId) return 'This request was initiated from another device'
  if (found.used) return 'This request was already authorized'
  return undefined
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
    const refusal = consentRefusal(as, req, found)
    if (refusal) {
      forget(as, found)
      return redirectToClient(as, res, found, [['error', 'access_denied'], ['error_description', refusal]], true)
    }
    if (form.get('decision') === 'deny') {
      forget(as, found)
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
