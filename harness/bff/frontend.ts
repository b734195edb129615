import { HarnessError } from '../../protocol/errors.ts'
import type { Clock } from '../../model/clock.ts'
import type { Exchange, Headers } from '../../model/transcript.ts'
import { completeAuthorization, type AuthorizationResponse } from '../user-agent.ts'
import type { World } from '../world.ts'
import { CookieJar } from './cookies.ts'
import type { BffDeclaration, Endpoint } from './declaration.ts'

/** The origin the frontend pretends to be when it tests cross-origin requests and redirect targets. */
export const FOREIGN_ORIGIN = 'https://evil.example'

/** Redirect-target parameters a backend might honour; a login with `redirectOverride` sets them all to another site. */
export const REDIRECT_PARAMS = ['target_link_uri', 'redirect_uri', 'redirect', 'redirect_to', 'return_to', 'returnTo', 'next'] as const

/** A request of the frontend to the backend. */
export interface FrontendRequest {
  method: 'GET' | 'POST' | 'OPTIONS'
  path: string
  query?: Record<string, string>
  /** JSON body (POST). */
  json?: Record<string, unknown>
  /** Form body (a form_post callback). */
  form?: URLSearchParams
  headers?: Record<string, string>
  /** The `Origin` header; `null` for a top-level navigation, which sends none. */
  origin: string | null
  /** Send this jar's cookies (none when omitted). */
  jar?: CookieJar
  /** A Cookie header as a real browser sent it (browser logins), instead of a jar. */
  cookie?: string
  /** A top-level navigation (login, callback) rather than a fetch. */
  navigation?: boolean
}

function flat(headers: globalThis.Headers): Headers {
  const out: Headers = {}
  headers.forEach((value, key) => {
    if (key !== 'set-cookie') out[key] = value
  })
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) out['set-cookie'] = cookies
  return out
}

/**
 * The app's frontend, played by the harness: an extension page or a web page of the declared origin. It
 * talks to the backend over HTTP the way the real frontend would (fetches with its Origin, navigations for
 * login and callback, its own cookie jar) and records every exchange in the World's transcript as
 * `frontend → backend`, so the checks can read what the backend handed it.
 */
export class Frontend {
  readonly jar: CookieJar
  /** The session value a header-carried session took from the redirect, if any. */
  headerSession?: string
  /** The DID this frontend logged in as. */
  did?: string

  constructor(
    private readonly world: World,
    private readonly backend: BffDeclaration,
    private readonly publicUrl: string,
    realClock: Clock,
  ) {
    this.jar = new CookieJar(() => realClock.now())
  }

  /** Sends one request to the backend and records it; never throws for an HTTP status. */
  async send(req: FrontendRequest): Promise<Exchange> {
    const query = req.query && Object.keys(req.query).length ? `?${new URLSearchParams(req.query)}` : ''
    const headers: Record<string, string> = {
      'user-agent': 'atproto-oauth-conformance frontend',
      ...(req.navigation
        ? { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
        : { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }),
      ...(req.origin ? { origin: req.origin } : {}),
      ...req.headers,
    }
    const cookie = req.cookie ?? req.jar?.header()
    if (cookie) headers.cookie = cookie
    let body: string | undefined
    if (req.json) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(req.json)
    } else if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = req.form.toString()
    }
    const t = this.world.transcript
    const startTick = t.tick()
    let res: Response
    try {
      res = await fetch(`${this.backend.baseUrl}${req.path}${query}`, { method: req.method, headers, body, redirect: 'manual' })
    } catch (err) {
      throw new HarnessError('ERR_DRIVER_CRASH', `the backend at ${this.backend.baseUrl} did not answer ${req.method} ${req.path}: ${(err as Error).message}`)
    }
    const text = await res.text()
    const responseHeaders = flat(res.headers)
    req.jar?.store(res.headers.getSetCookie())
    return t.addExchange({
      startTick,
      server: 'backend',
      actor: 'frontend',
      request: {
        method: req.method,
        url: `${this.publicUrl}${req.path}${query}`,
        path: req.path,
        headers,
        body,
        params: req.json ?? (req.form ? Object.fromEntries(req.form) : undefined),
      },
      response: { status: res.status, headers: responseHeaders, body: text || undefined },
    })
  }

  /** The request for an endpoint from this frontend with its own session, from its own origin. */
  withSession(endpoint: Endpoint): FrontendRequest {
    return { method: endpoint.method, path: endpoint.path, origin: this.backend.frontend.origin, jar: this.jar, headers: this.sessionHeader(this.headerSession) }
  }

  /** The declared session header carrying `value`, for header-carried sessions. */
  sessionHeader(value: string | undefined): Record<string, string> | undefined {
    const s = this.backend.session
    if (s.carrier !== 'header' || value === undefined) return undefined
    return { [s.header]: s.scheme ? `${s.scheme} ${value}` : value }
  }

  /**
   * Starts a login: navigates to the login endpoint and follows the backend to the AS, where the user
   * consents. Returns the authorization response the AS redirects the browser with.
   */
  async startLogin(handle: string, password: string, extra: Record<string, string> = {}): Promise<AuthorizationResponse> {
    const login = this.backend.endpoints.login
    const ex = await this.send({
      method: 'GET',
      path: login.path,
      query: { [login.handleParam ?? 'handle']: handle, ...extra },
      origin: null,
      jar: this.jar,
      navigation: true,
    })
    const target = authorizationTarget(ex)
    if (!target) {
      throw new LoginRefused(`the login endpoint answered HTTP ${ex.response.status} without a redirect to the authorization server`, ex.response.status)
    }
    return completeAuthorization(target, [this.world.urls.issuer], { username: handle, password, decision: 'approve' })
  }

  /**
   * Delivers an authorization response to the backend's callback, as this frontend's browser would: the AS
   * redirected to the backend's public redirect URI, which the harness routes to `baseUrl`. Takes the session
   * from the answer (cookie, or the declared redirect parameter).
   */
  async deliverCallback(response: AuthorizationResponse): Promise<Exchange> {
    const target = new URL(response.url)
    if (target.origin !== new URL(this.publicUrl).origin) {
      throw new HarnessError('ERR_USER_AGENT', `the AS redirected to ${target.origin}, not the backend's public origin ${this.publicUrl}`)
    }
    const form = response.mode === 'form_post'
    const ex = await this.send({
      method: form ? 'POST' : 'GET',
      path: target.pathname,
      query: form ? undefined : Object.fromEntries(response.params),
      form: form ? response.params : undefined,
      origin: form ? new URL(this.world.urls.issuer).origin : null,
      jar: this.jar,
      navigation: true,
    })
    const s = this.backend.session
    const location = locationOf(ex)
    if (s.carrier === 'header' && location) {
      const url = new URL(location, this.publicUrl)
      const value = (s.from === 'fragment' ? new URLSearchParams(url.hash.slice(1)) : url.searchParams).get(s.param)
      if (value) this.headerSession = value
    }
    return ex
  }
}

/** A login the backend refused before the AS (its status, for the step outcome). */
export class LoginRefused extends Error {
  constructor(message: string, readonly status: number) {
    super(message)
  }
}

/** The Location header of a redirect, if the exchange was one. */
export function locationOf(ex: Exchange): string | undefined {
  if (ex.response.status < 300 || ex.response.status >= 400) return undefined
  const v = ex.response.headers.location
  return typeof v === 'string' ? v : undefined
}

/** The authorization URL a login answer points at: a redirect, or a JSON `{ url }` for frontends that open it themselves. */
function authorizationTarget(ex: Exchange): string | undefined {
  const location = locationOf(ex)
  if (location) return location
  if (ex.response.status !== 200 || !ex.response.body) return undefined
  try {
    const body = JSON.parse(ex.response.body) as { url?: unknown; authorizationUrl?: unknown }
    const url = body.url ?? body.authorizationUrl
    return typeof url === 'string' ? url : undefined
  } catch {
    return undefined
  }
}
