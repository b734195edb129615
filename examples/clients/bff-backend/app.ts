/**
 * An example backend-for-frontend for an atproto app with a browser-extension frontend: a confidential OAuth
 * client (`@atproto/oauth-client-node`, private_key_jwt) that keeps every atproto token server-side and gives
 * the extension only an HttpOnly session cookie. It implements the contract of docs/bff.md; `flaws` switch on
 * the mistakes the BFF scenarios catch (flaws.ts).
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express, { type NextFunction, type Request, type Response } from 'express'
import { JoseKey } from '@atproto/jwk-jose'
import { NodeOAuthClient, type NodeSavedSession, type NodeSavedState } from '@atproto/oauth-client-node'
import type { BffDeclaration, BffSetup } from '../../../harness/bff/declaration.ts'
import type { BffFlaw } from './flaws.ts'

/** The extension this backend serves (its id fixes both its origin and its launchWebAuthFlow redirect). */
export const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop'
export const FRONTEND = {
  origin: `chrome-extension://${EXTENSION_ID}`,
  redirectUri: `https://${EXTENSION_ID}.chromiumapp.org/callback`,
}

const SCOPE = 'atproto transition:generic'
const LOGIN_COOKIE = '__Host-login'
const SECURE = 'Path=/; Secure; HttpOnly; SameSite=Lax'

class MemoryStore<T> {
  readonly map = new Map<string, T>()
  async get(key: string) {
    return this.map.get(key)
  }
  async set(key: string, value: T) {
    this.map.set(key, value)
  }
  async del(key: string) {
    this.map.delete(key)
  }
}

let sharedKey: Promise<JoseKey> | undefined
/** One ES256 key per process: generating keys per scenario would dominate the run time. */
function clientKey(): Promise<JoseKey> {
  sharedKey ??= JoseKey.generate(['ES256'], 'bff-key-1')
  return sharedKey
}

function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return out
}

/** Everything one configured instance holds; setup replaces it. */
interface State {
  setup: BffSetup
  metadata: Record<string, unknown> & { client_id: string }
  key: JoseKey
  sessions: MemoryStore<NodeSavedSession>
  states: MemoryStore<NodeSavedState>
  client: NodeOAuthClient
  /** Frontend session id → DID. */
  frontendSessions: Map<string, string>
  /** App state → the OAuth state key the client stored for it (the login cookie holds it). */
  oauthStateOf: Map<string, string>
  /** App state → where the login asked to go back to (used only by the open-redirect flaw). */
  returnTo: Map<string, string>
}

export interface BffBackendOptions {
  flaws?: readonly BffFlaw[]
  /** The frontend it serves: the extension by default, or a web app's origin and page. */
  frontend?: { origin: string; redirectUri: string }
}

/** The express app of the backend. */
export function createBffBackend(options: BffBackendOptions = {}) {
  const flaws = new Set(options.flaws ?? [])
  const has = (f: BffFlaw) => flaws.has(f)
  const frontend = options.frontend ?? FRONTEND
  const sessionCookie = has('weak-cookie') ? 'sid' : '__Host-sid'
  let state: State | undefined

  const newClient = (s: Omit<State, 'client'>) =>
    new NodeOAuthClient({
      handleResolver: s.setup.handleResolver,
      plcDirectoryUrl: s.setup.plcDirectoryUrl,
      allowHttp: s.setup.allowHttp,
      clientMetadata: s.metadata as never,
      keyset: [s.key],
      stateStore: s.states,
      sessionStore: s.sessions,
      // One process, one client instance: its session getter already shares one pending refresh between
      // concurrent requests. (Measured here: wrapping it in a serialising lock made each waiting request
      // refresh again after the first, four grants for four requests.) Several processes need a shared lock.
      requestLock: async <T>(_name: string, fn: () => T | PromiseLike<T>) => fn(),
    })
  const clientFor = (s: State) => (has('client-per-request') ? newClient(s) : s.client)

  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')

  app.post('/conformance/setup', express.json(), async (req, res) => {
    const setup = req.body as BffSetup
    const key = await clientKey()
    const metadata = {
      client_id: `${setup.publicUrl}/client-metadata.json`,
      client_name: 'atproto BFF example',
      redirect_uris: [`${setup.publicUrl}/oauth/callback`],
      scope: SCOPE,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'web',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      jwks: { keys: [key.publicJwk] },
    }
    const states = new MemoryStore<NodeSavedState>()
    const oauthStateOf = new Map<string, string>()
    // The client picks the OAuth `state` itself; remember it per app state, so the login cookie can hold it.
    const setState = states.set.bind(states)
    states.set = async (k, v) => {
      if (v.appState) oauthStateOf.set(v.appState, k)
      return setState(k, v)
    }
    const base = {
      setup,
      metadata,
      key,
      sessions: new MemoryStore<NodeSavedSession>(),
      states,
      frontendSessions: new Map<string, string>(),
      oauthStateOf,
      returnTo: new Map<string, string>(),
    }
    state = { ...base, client: newClient(base) }
    res.json({ clientMetadata: metadata })
  })

  const ready = (_req: Request, res: Response, next: NextFunction) => {
    if (!state) return void res.status(503).json({ error: 'not_configured' })
    next()
  }

  // CORS for the extension only (flaw: for anyone). Requests from any other origin are refused: with a cookie
  // session, CORS alone would only hide the answer, not stop the request.
  app.use((req, res, next) => {
    const origin = req.headers.origin
    if (!origin) return next()
    const allowed = origin === frontend.origin || has('permissive-cors')
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Allow-Credentials', 'true')
      res.setHeader('Vary', 'Origin')
    }
    if (req.method === 'OPTIONS') {
      if (allowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST')
        res.setHeader('Access-Control-Allow-Headers', 'content-type')
      }
      return void res.status(204).end()
    }
    // A form_post callback comes from the AS origin; everything else must come from the extension.
    if (!allowed && req.path !== '/oauth/callback') return void res.status(403).json({ error: 'forbidden_origin' })
    next()
  })

  app.get('/login', ready, async (req, res) => {
    const s = state!
    const handle = String(req.query.handle ?? '')
    const appState = randomBytes(16).toString('base64url')
    try {
      const url = await s.client.authorize(handle, { scope: SCOPE, state: appState })
      const target = req.query.target_link_uri
      if (has('open-redirect') && typeof target === 'string') s.returnTo.set(appState, target)
      // Binds the login to this browser: the callback must come back with this cookie (login CSRF).
      res.setHeader('Set-Cookie', `${LOGIN_COOKIE}=${s.oauthStateOf.get(appState)}; ${SECURE}; Max-Age=600`)
      res.redirect(302, url.href)
    } catch (err) {
      res.status(400).json({ error: 'login_failed', message: (err as Error).message })
    }
  })

  app.all('/oauth/callback', ready, express.urlencoded({ extended: false }), async (req, res) => {
    const s = state!
    const params = new URLSearchParams(req.method === 'POST' ? (req.body as Record<string, string>) : (req.query as Record<string, string>))
    if (!has('no-login-binding') && (!params.get('state') || cookies(req)[LOGIN_COOKIE] !== params.get('state'))) {
      return void res.status(403).json({ error: 'login_not_started_here' })
    }
    try {
      const { session, state: appState } = await s.client.callback(params)
      const sid = randomBytes(32).toString('base64url')
      s.frontendSessions.set(sid, session.did)
      const set = [`${LOGIN_COOKIE}=; ${SECURE}; Max-Age=0`]
      set.push(has('weak-cookie') ? `${sessionCookie}=${sid}; Path=/` : `${sessionCookie}=${sid}; ${SECURE}`)
      res.setHeader('Set-Cookie', set)
      let target = (appState && s.returnTo.get(appState)) || frontend.redirectUri
      if (has('tokens-in-fragment')) {
        const saved = await s.sessions.get(session.did)
        const fragment = new URLSearchParams({
          access_token: saved!.tokenSet.access_token,
          refresh_token: saved!.tokenSet.refresh_token ?? '',
          did: session.did,
          expires_in: '3600',
        })
        target = `${target}#${fragment}`
      }
      res.redirect(302, target)
    } catch (err) {
      res.status(400).json({ error: 'callback_failed', message: (err as Error).message })
    }
  })

  /** The DID the request is authorised for, or undefined. */
  const userOf = (req: Request): string | undefined => {
    const s = state!
    const named = typeof req.query.did === 'string' ? req.query.did : (req.body as { did?: unknown } | undefined)?.did
    if (has('api-by-did') && typeof named === 'string') return named
    const sid = cookies(req)[sessionCookie]
    const fromSession = sid ? s.frontendSessions.get(sid) : undefined
    if (fromSession) return fromSession
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (has('validates-pds-token') && bearer) {
      try {
        const payload = JSON.parse(Buffer.from(bearer.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }
        if (typeof payload.sub === 'string') return payload.sub
      } catch {
        return undefined
      }
    }
    return undefined
  }

  const endSession = (req: Request, res: Response) => {
    const sid = cookies(req)[sessionCookie]
    if (sid) state!.frontendSessions.delete(sid)
    res.setHeader('Set-Cookie', `${sessionCookie}=; ${has('weak-cookie') ? 'Path=/' : SECURE}; Max-Age=0`)
  }

  app.get('/api/profile', ready, async (req, res) => {
    const did = userOf(req)
    if (!did) return void res.status(401).json({ error: 'not_logged_in' })
    try {
      const session = await clientFor(state!).restore(did)
      const pds = await session.fetchHandler('/xrpc/com.atproto.server.getSession', { method: 'GET' })
      const body = (await pds.json().catch(() => ({}))) as { did?: string; handle?: string }
      if (pds.status === 401) throw new Error('the PDS refused the session')
      if (!pds.ok) return void res.status(502).json({ error: 'pds_error', status: pds.status })
      res.json({ did: body.did, handle: body.handle })
    } catch (err) {
      if (has('error-on-refresh-failure')) return void res.status(500).json({ error: 'internal', message: (err as Error).message })
      // The atproto session is gone (refresh refused, revoked, deleted): the frontend is logged out.
      endSession(req, res)
      res.status(401).json({ error: 'logged_out' })
    }
  })

  app.post('/api/refresh', ready, express.json(), async (req, res) => {
    const named = (req.body as { did?: unknown } | undefined)?.did
    const did = has('refresh-by-did') && typeof named === 'string' ? named : userOf(req)
    if (!did) return void res.status(401).json({ error: 'not_logged_in' })
    try {
      const session = await clientFor(state!).restore(did, true)
      if (has('refresh-returns-tokens') || has('refresh-by-did')) {
        const saved = await state!.sessions.get(session.did)
        return void res.json({ accessToken: saved!.tokenSet.access_token, refreshToken: saved!.tokenSet.refresh_token, expiresIn: 3600 })
      }
      res.json({ ok: true })
    } catch (err) {
      if (has('error-on-refresh-failure')) return void res.status(500).json({ error: 'internal', message: (err as Error).message })
      endSession(req, res)
      res.status(401).json({ error: 'logged_out' })
    }
  })

  app.post('/logout', ready, async (req, res) => {
    const did = userOf(req)
    if (!did) return void res.status(401).json({ error: 'not_logged_in' })
    if (!has('logout-local-only')) {
      try {
        const session = await clientFor(state!).restore(did)
        // Revokes at the AS with the session's DPoP key, and deletes the stored session.
        await session.signOut()
      } catch {
        // Already gone at the AS: the backend session ends all the same.
      }
      endSession(req, res)
    } else {
      res.setHeader('Set-Cookie', `${sessionCookie}=; Path=/; Max-Age=0`)
    }
    res.status(204).end()
  })

  app.use((_req, res) => void res.status(404).json({ error: 'not_found' }))
  return { app, sessionCookie, frontend }
}

/** The backend's declaration for the harness (docs/bff.md). */
export function declarationFor(baseUrl: string, sessionCookie: string, name = 'bff-backend (example)', frontend = FRONTEND): BffDeclaration {
  return {
    name,
    baseUrl,
    setup: '/conformance/setup',
    frontend,
    session: { carrier: 'cookie', name: sessionCookie },
    endpoints: {
      login: { path: '/login', handleParam: 'handle' },
      callback: { path: '/oauth/callback' },
      api: { method: 'GET', path: '/api/profile' },
      refresh: { method: 'POST', path: '/api/refresh' },
      logout: { method: 'POST', path: '/logout' },
    },
  }
}

/** Starts the backend on loopback (port 0: ephemeral) and returns its declaration. */
export async function startBffBackend(options: BffBackendOptions & { port?: number } = {}) {
  const { app, sessionCookie, frontend } = createBffBackend(options)
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`
  const name = options.flaws?.length ? `bff-backend:${options.flaws.join('+')}` : 'bff-backend (example)'
  return {
    declaration: declarationFor(baseUrl, sessionCookie, name, frontend),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
