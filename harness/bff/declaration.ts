import { HarnessError } from '../../protocol/errors.ts'

/**
 * How a backend under test declares itself to the harness (docs/bff.md): where it listens, which endpoints
 * its frontend calls, and how the frontend carries its session. The harness fixes no path; it reads them here.
 */
export interface BffDeclaration {
  /** Shown in reports. */
  name: string
  /** The backend's loopback origin, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string
  /** `POST` here with a {@link BffSetup} before each scenario; the backend resets and answers {@link BffSetupAnswer}. */
  setup: string
  /** The app's frontend: its origin and the URI the backend redirects it to after login. */
  frontend: {
    /** e.g. `chrome-extension://<id>` or `https://app.example`. */
    origin: string
    /** e.g. `https://<id>.chromiumapp.org/callback`. */
    redirectUri: string
  }
  session: SessionCarrier
  endpoints: {
    /** The frontend navigates here with the handle (`handleParam`, `handle` by default); the answer redirects to the AS. */
    login: { path: string; handleParam?: string }
    /** The backend's OAuth redirect URI path (registered as `<publicUrl><path>`). Answers with a redirect to the frontend. */
    callback: { path: string }
    /** An authenticated call that reaches the PDS on every request; 2xx when it worked. */
    api: Endpoint
    /** Refreshes the atproto tokens on the backend, if the backend offers it. */
    refresh?: Endpoint
    /** Ends the session; 2xx or a redirect. */
    logout: Endpoint
  }
}

export interface Endpoint {
  method: 'GET' | 'POST'
  path: string
}

/**
 * How the frontend holds its session with the backend: a cookie the backend sets on the callback, or a
 * value the callback's redirect hands over (in the fragment or query, parameter `param`) that the frontend
 * then sends in a header (`Authorization: Bearer <value>` with `scheme: 'Bearer'`).
 */
export type SessionCarrier =
  | { carrier: 'cookie'; name: string }
  | { carrier: 'header'; header: string; scheme?: string; from: 'fragment' | 'query'; param: string }

/** What the harness tells the backend before a scenario (the body of `POST <setup>`). */
export interface BffSetup {
  /** XRPC handle resolver (`com.atproto.identity.resolveHandle`). */
  handleResolver: string
  plcDirectoryUrl: string
  /** The World speaks plain http on loopback. */
  allowHttp: boolean
  /**
   * The backend's public origin as the AS and the browser see it (`https://client.test`): its client_id and
   * redirect URI live under it. The harness serves the returned client metadata there and routes the browser's
   * callback to `baseUrl`.
   */
  publicUrl: string
  scenarioId: string
}

/** The backend's answer to setup: its client metadata document, which the harness hosts at its client_id. */
export interface BffSetupAnswer {
  clientMetadata: { client_id: string } & Record<string, unknown>
}

const PATH = /^\/[^\s?#]*$/

function fail(where: string, what: string): never {
  throw new HarnessError('ERR_CONFIG', `backend declaration: ${where} ${what}`)
}

function endpoint(value: unknown, where: string): Endpoint {
  const e = value as Partial<Endpoint> | undefined
  if (!e || typeof e !== 'object') fail(where, 'is missing: give { "method": "GET" | "POST", "path": "/…" }')
  if (e.method !== 'GET' && e.method !== 'POST') fail(`${where}.method`, 'must be "GET" or "POST"')
  if (typeof e.path !== 'string' || !PATH.test(e.path)) fail(`${where}.path`, 'must be a path starting with "/"')
  return { method: e.method, path: e.path }
}

function path(value: unknown, where: string): string {
  if (typeof value !== 'string' || !PATH.test(value)) fail(where, 'must be a path starting with "/"')
  return value
}

function origin(value: unknown, where: string): string {
  try {
    const url = new URL(String(value))
    if (url.origin === 'null' ? `${url.protocol}//${url.host}` !== value : url.origin !== value) throw new Error()
  } catch {
    fail(where, `must be a bare origin such as chrome-extension://<id> or https://app.example, got ${JSON.stringify(value)}`)
  }
  return value as string
}

/** Checks a declaration read from JSON and says exactly which field is wrong. */
export function parseDeclaration(raw: unknown): BffDeclaration {
  const d = raw as Partial<BffDeclaration> & Record<string, unknown>
  if (!d || typeof d !== 'object') fail('', 'must be a JSON object')
  if (typeof d.baseUrl !== 'string' || !/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):\d+$/.test(d.baseUrl)) {
    fail('baseUrl', `must be a loopback origin such as http://127.0.0.1:8787, got ${JSON.stringify(d.baseUrl)}`)
  }
  const f = d.frontend as BffDeclaration['frontend'] | undefined
  if (!f) fail('frontend', 'is missing: give { "origin": …, "redirectUri": … }')
  origin(f.origin, 'frontend.origin')
  try {
    new URL(f.redirectUri)
  } catch {
    fail('frontend.redirectUri', 'must be an absolute URI')
  }
  const s = d.session as SessionCarrier | undefined
  if (s?.carrier === 'cookie') {
    if (typeof s.name !== 'string' || !s.name) fail('session.name', 'must name the session cookie')
  } else if (s?.carrier === 'header') {
    if (typeof s.header !== 'string' || !s.header) fail('session.header', 'must name the header, e.g. "authorization"')
    if (s.from !== 'fragment' && s.from !== 'query') fail('session.from', 'must be "fragment" or "query"')
    if (typeof s.param !== 'string' || !s.param) fail('session.param', 'must name the redirect parameter that carries the session')
  } else {
    fail('session.carrier', 'must be "cookie" or "header"')
  }
  const e = d.endpoints as BffDeclaration['endpoints'] | undefined
  if (!e) fail('endpoints', 'is missing')
  return {
    name: typeof d.name === 'string' ? d.name : d.baseUrl,
    baseUrl: d.baseUrl,
    setup: path(d.setup, 'setup'),
    frontend: { origin: f.origin, redirectUri: f.redirectUri },
    session: s,
    endpoints: {
      login: { path: path(e.login?.path, 'endpoints.login.path'), handleParam: e.login?.handleParam ?? 'handle' },
      callback: { path: path(e.callback?.path, 'endpoints.callback.path') },
      api: endpoint(e.api, 'endpoints.api'),
      ...(e.refresh ? { refresh: endpoint(e.refresh, 'endpoints.refresh') } : {}),
      logout: endpoint(e.logout, 'endpoints.logout'),
    },
  }
}
