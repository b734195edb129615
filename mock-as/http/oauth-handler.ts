import type { Request, Response } from 'express'
import { InvalidRequestError } from '../../protocol/errors.ts'
import type { BodyRequest } from '../../model/body.ts'
import { toWire, type WireResponse } from './to-wire.ts'

/** Where an endpoint handler gets the parsed request. */
export interface OAuthRequest {
  req: BodyRequest
  params: Record<string, unknown>
}

/** What the wrapper needs from the server. */
export interface OAuthHandlerDeps {
  /** The next nonce to send, or undefined when nonces are disabled. */
  nextNonce(): string | undefined
  acceptJson: boolean
  /** Bodies read like the reference (profile `referenceParsing`): see parseParams. */
  referenceBodies?: boolean
  /** With referenceBodies: a JSON body that is not an object reaches the handler (whose schema refuses it). */
  anyJsonValue?: boolean
  /** Called with unexpected exceptions (harness bugs). */
  onHarnessFault(err: unknown, req: Request): void
}

// reference-wire.md §2: the header set of /oauth/par, /oauth/token and /oauth/revoke.
export const AS_CORS_HEADERS: Record<string, string> = {
  'Access-Control-Max-Age': '86400',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': '*',
  'Access-Control-Allow-Headers': 'Content-Type,DPoP',
}

/**
 * Parses a form or JSON body into a flat object; other content types get 415 (reference §2). `reference`
 * reads it as the reference's parser does (oauth-provider lib/http/parser.js): a charset other than UTF-8
 * is refused with 415 and a repeated form parameter keeps its last value; with `anyJson` too, a JSON body
 * that is not an object is passed on for the endpoint's schema to refuse.
 */
export function parseParams(req: BodyRequest, acceptJson: boolean, reference = false, anyJson = false): Record<string, unknown> {
  const raw = req.rawBody?.toString('utf8') ?? ''
  const [mime, ...attributes] = (req.headers['content-type'] ?? '').split(';')
  const type = mime!.trim().toLowerCase()
  const charset = attributes.map((a) => /^\s*charset=(.*)$/i.exec(a)?.[1]?.trim()).find((c) => c !== undefined)
  const form = type === 'application/x-www-form-urlencoded' || (type === '' && raw === '')
  const json = type === 'application/json' && acceptJson
  if (reference && (form || json) && charset !== undefined && !/^utf-?8$/i.test(charset.replace(/^"|"$/g, ''))) {
    throw new InvalidRequestError('Unsupported charset', 415)
  }
  if (form) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of new URLSearchParams(raw)) {
      if (k in out && !reference) throw new InvalidRequestError(`Duplicate parameter "${k}"`)
      out[k] = v
    }
    return out
  }
  if (json) {
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      throw new InvalidRequestError(reference ? 'Invalid JSON' : 'Invalid JSON body')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (reference && anyJson) return value as Record<string, unknown>
      throw new InvalidRequestError('Request body must be a JSON object')
    }
    return value as Record<string, unknown>
  }
  // The reference reads a request without a content-type as application/octet-stream.
  throw new InvalidRequestError(`Unsupported content-type: ${type || (reference ? 'application/octet-stream' : '(none)')}`, 415)
}

/** The parameters of a form or JSON body as sent, whatever this AS accepts; undefined when they do not parse. */
function sentParams(req: BodyRequest): Record<string, unknown> | undefined {
  try {
    return parseParams(req, true)
  } catch {
    return undefined
  }
}

function send(res: Response, wire: WireResponse, nonce: string | undefined): void {
  res.status(wire.status)
  for (const [k, v] of Object.entries(AS_CORS_HEADERS)) res.setHeader(k, v)
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Pragma', 'no-cache')
  const expose: string[] = []
  if (nonce !== undefined) {
    res.setHeader('DPoP-Nonce', nonce)
    expose.push('DPoP-Nonce')
  }
  if (wire.headers['WWW-Authenticate']) expose.push('WWW-Authenticate')
  // The reference appends a second Access-Control-Expose-Headers line for WWW-Authenticate (§2).
  if (expose.length === 1) res.setHeader('Access-Control-Expose-Headers', expose[0]!)
  else if (expose.length > 1) res.setHeader('Access-Control-Expose-Headers', expose)
  for (const [k, v] of Object.entries(wire.headers)) res.setHeader(k, v)
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(wire.body))
}

/**
 * The single wrapper of every OAuth endpoint: parses the body, runs the handler, sets `no-store`, sends the
 * next `DPoP-Nonce` on success and error alike, and maps every error through `toWire`.
 */
export function oauthHandler(
  deps: OAuthHandlerDeps,
  handler: (r: OAuthRequest) => Promise<{ status?: number; body: unknown }>,
) {
  return async (req: Request, res: Response): Promise<void> => {
    const r = req as BodyRequest
    let wire: WireResponse
    try {
      // The transcript records what the client sent even when this AS refuses its encoding (JSON at a strict
      // AS): checks judge the parameters from it, and the encoding on its own (par.form-body).
      r.params_ = sentParams(r)
      const params = parseParams(r, deps.acceptJson, deps.referenceBodies, deps.anyJsonValue)
      r.params_ = params
      const out = await handler({ req: r, params })
      wire = { status: out.status ?? 200, headers: {}, body: out.body }
    } catch (err) {
      wire = toWire(err)
      if (wire.harnessFault !== undefined) deps.onHarnessFault(wire.harnessFault, req)
    }
    send(res, wire, deps.nextNonce())
  }
}

/** Reads a string parameter; a non-string value is a bad request. */
export function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new InvalidRequestError(`Invalid "${name}" parameter: expected a string`)
  return v
}
