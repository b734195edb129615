import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js'
import express, { type NextFunction, type Request, type Response } from 'express'
import { readFileSync } from 'node:fs'
import { escapeHtml } from '../mock-as/consent-page.ts'
import type { FaultPlan } from '../mock-as/faults.ts'
import { loopbackOnly } from './http/loopback-guard.ts'
import { collectSecrets, redactTranscript } from './redact.ts'
import type { Exchange } from '../model/transcript.ts'
import type { World } from './world.ts'
import { packageFile } from '../model/package-file.ts'

/** Exchanges `GET /control/exchanges` returns without `?last=`, and the most it returns. */
const DEFAULT_LAST = 20
const MAX_LAST = 1000

let faultPlanValidator: ValidateFunction | undefined
/**
 * Validates a user's fault plan against `$defs/faultPlan` of reports/report.schema.json: the schema a test holds
 * to the FaultPlan type, so this check knows every seam without a second list. Returns one line per problem.
 * ajv is loaded with the first plan, not when `serve` starts.
 */
export async function faultPlanErrors(plan: unknown): Promise<string[]> {
  if (!faultPlanValidator) {
    // ajv is CommonJS: its class is module.exports, the default export under Node and in the bundled CLI alike
    // (only Node also lists it by name).
    const { default: Ajv2020 } = (await import('ajv/dist/2020.js')) as unknown as { default: typeof import('ajv/dist/2020.js').Ajv2020 }
    const schema = JSON.parse(readFileSync(packageFile('reports/report.schema.json'), 'utf8')) as { $id: string }
    const ajv = new Ajv2020({ allErrors: true, validateFormats: false })
    ajv.addSchema(schema)
    faultPlanValidator = ajv.getSchema(`${schema.$id}#/$defs/faultPlan`)!
  }
  if (faultPlanValidator(plan)) return []
  return (faultPlanValidator.errors ?? []).map(describeError)
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'the plan'
  const p = e.params as { additionalProperty?: string; allowedValues?: unknown[]; allowedValue?: unknown }
  if (p.additionalProperty !== undefined) return `${where}: unknown field "${p.additionalProperty}"`
  if (p.allowedValues) return `${where} must be one of ${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
  if ('allowedValue' in p) return `${where} must be ${JSON.stringify(p.allowedValue)}`
  return `${where} ${e.message}`
}

/** Seams the World reads once, when it starts: a runtime change to them does nothing until `serve` restarts. */
function startOnlyFields(plan: FaultPlan): string[] {
  return (['rotateEverySeconds', 'disabled'] as const).filter((k) => plan.dpopNonce?.[k] !== undefined).map((k) => `dpopNonce.${k}`)
}

/** What `serve` prints, `/control/status` returns and the status page shows. */
export interface ServeStatus {
  profile: string
  topology: string
  urls: World['urls'] & { control: string }
  accounts: { handle: string; did: string; password: string }[]
  faults: FaultPlan
  /** The World clock (it stands still unless advanced through the control API). */
  clock: string
  exchanges: number
}

export function serveStatus(world: World, controlUrl: string): ServeStatus {
  const { plc, web } = world.accounts
  return {
    profile: world.profile.name,
    topology: world.topology,
    urls: { ...world.urls, control: controlUrl },
    accounts: [plc, web].map(({ handle, did, password }) => ({ handle, did, password })),
    faults: world.faults,
    clock: new Date(world.clock.now()).toISOString(),
    exchanges: world.transcript.exchanges().length,
  }
}

function lastExchanges(world: World, n: number): Exchange[] {
  const all = world.transcript.exchanges()
  // Secrets seen anywhere in the World's history, so a token minted long ago is redacted in a recent exchange too.
  return redactTranscript(all.slice(Math.max(0, all.length - n)), collectSecrets(all)) as Exchange[]
}

/**
 * Replaces the World's fault plan with `plan` as one step: the new plan is prepared first (a copy, its `$symbols`
 * resolved), and only then swapped in, so a plan that fails on the way leaves the current one whole.
 */
function replaceFaults(world: World, plan: FaultPlan): void {
  const previous = structuredClone(world.faults)
  const faults = world.faults as Record<string, unknown>
  try {
    for (const key of Object.keys(faults)) delete faults[key]
    world.setFaults(plan)
  } catch (err) {
    for (const key of Object.keys(faults)) delete faults[key]
    Object.assign(faults, previous)
    throw err
  }
}

function jsonError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description })
}

/**
 * The control API of `serve`, on its own port: read the World's state, replace its fault plan, move its clock,
 * read what reached it. No authentication: it listens where the mocks listen (loopback, or a container's
 * interfaces published to the host's loopback only).
 */
export function controlApp(world: World, controlUrl: () => string): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  // Loopback Host names only, no foreign web page (DNS rebinding; a page could otherwise switch faults or read exchanges).
  app.use(loopbackOnly())
  app.use(express.json({ limit: '64kb', strict: false }))

  app.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store').type('html').send(renderStatusPage(serveStatus(world, controlUrl()), lastExchanges(world, DEFAULT_LAST)))
  })
  app.get('/control/status', (_req, res) => void res.json(serveStatus(world, controlUrl())))
  app.get('/control/faults', (_req, res) => void res.json(world.faults))
  app.put('/control/faults', async (req, res) => {
    if (!req.is('application/json')) {
      return jsonError(res, 415, 'invalid_request', 'send the fault plan as a JSON object with Content-Type: application/json')
    }
    const plan = req.body as unknown
    if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) {
      return jsonError(res, 400, 'invalid_fault_plan', 'the fault plan must be a JSON object ({} clears every fault)')
    }
    const errors = await faultPlanErrors(plan)
    // A rejected plan changes nothing: the current one stays in place.
    if (errors.length > 0) return jsonError(res, 400, 'invalid_fault_plan', errors.join('; '))
    replaceFaults(world, plan as FaultPlan)
    const startOnly = startOnlyFields(plan as FaultPlan)
    res.json({
      faults: world.faults,
      ...(startOnly.length ? { warnings: [`${startOnly.join(', ')} ${startOnly.length === 1 ? 'takes' : 'take'} effect only when serve starts`] } : {}),
    })
  })
  app.delete('/control/faults', (_req, res) => {
    replaceFaults(world, {})
    res.json({ faults: world.faults })
  })
  app.post('/control/clock/advance', (req, res) => {
    const seconds = (req.body as { seconds?: unknown } | undefined)?.seconds
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      return jsonError(res, 400, 'invalid_request', 'send {"seconds": <a number > 0>} as JSON')
    }
    world.clock.advance(seconds * 1000)
    res.json({ clock: new Date(world.clock.now()).toISOString() })
  })
  app.get('/control/exchanges', (req, res) => {
    const raw = req.query.last
    const last = raw === undefined ? DEFAULT_LAST : Number(raw)
    if (!Number.isInteger(last) || last < 1 || last > MAX_LAST) {
      return jsonError(res, 400, 'invalid_request', `last must be a whole number from 1 to ${MAX_LAST}`)
    }
    res.json(lastExchanges(world, last))
  })
  app.use((req: Request, res: Response) => {
    jsonError(res, 404, 'not_found', `no ${req.method} ${req.path} here; see GET /control/status, PUT /control/faults, POST /control/clock/advance, GET /control/exchanges`)
  })
  app.use((err: { status?: number; type?: string; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') return jsonError(res, 400, 'invalid_request', `the body is not JSON: ${err.message}`)
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return jsonError(res, err.status, 'invalid_request', err.message ?? 'bad request')
    jsonError(res, 500, 'server_error', 'internal error in the control API')
  })
  return app
}

/** The status page at `/` of the control port: URLs, accounts, the fault plan and the last exchanges. */
export function renderStatusPage(status: ServeStatus, exchanges: readonly Exchange[]): string {
  const e = (v: string | number) => escapeHtml(String(v))
  const urls = Object.entries(status.urls).map(([name, url]) => `<tr><th>${e(name)}</th><td><code>${e(url)}</code></td></tr>`)
  const accounts = status.accounts.map((a) => `<tr><td><code>${e(a.handle)}</code></td><td><code>${e(a.did)}</code></td><td><code>${e(a.password)}</code></td></tr>`)
  const rows = [...exchanges].reverse().map(
    (x) =>
      `<tr><td>${e(x.ref)}</td><td>${e(x.server)}</td><td>${e(x.actor)}</td><td><code>${e(x.request.method)} ${e(x.request.url)}</code></td>` +
      `<td class="s${Math.floor(x.response.status / 100)}">${e(x.response.status)}</td></tr>`,
  )
  const plan = Object.keys(status.faults).length ? JSON.stringify(status.faults, null, 2) : '{} (none: the good path)'
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>atproto-oauth-conformance serve</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.6rem}table{border-collapse:collapse}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:12.5px}pre{background:#f6f8fa;padding:8px 10px;border-radius:6px}
td code{word-break:break-all}.s2{color:#1a7f37}.s3{color:#656d76}.s4{color:#9a6700}.s5{color:#cf222e}.muted{color:#656d76}</style></head><body>
<h1>atproto-oauth-conformance serve</h1>
<p class="muted">profile ${e(status.profile)} · topology ${e(status.topology)} · World clock ${e(status.clock)} · ${e(status.exchanges)} request(s) served</p>
<h2>URLs</h2><table>${urls.join('')}</table>
<h2>Test accounts</h2><table><tr><th>handle</th><th>DID</th><th>password</th></tr>${accounts.join('')}</table>
<h2>Fault plan</h2><pre id="faults">${e(plan)}</pre>
<p class="muted">Switch it: <code>curl -X PUT -H 'content-type: application/json' -d '{"authorizeResponse":{"iss":"https://evil.example"}}' ${e(status.urls.control)}/control/faults</code></p>
<h2>Last ${e(exchanges.length)} exchange(s)</h2>
${rows.length ? `<table><tr><th>#</th><th>server</th><th>actor</th><th>request</th><th>status</th></tr>${rows.join('')}</table>` : '<p class="muted">Nothing yet.</p>'}
</body></html>`
}
