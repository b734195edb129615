import {
  generateKeyPairSync,
  randomUUID,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { jwkThumbprint } from '../../protocol/jwk.ts'
import type { HttpResult } from './http.ts'

/** The reference captures (reference-captures/README.md), next to the repository as in the shared layout. */
export const CAPTURES_DIR = fileURLToPath(new URL('../../../shared/spec/reference-captures/', import.meta.url))
export const capturesAvailable = existsSync(CAPTURES_DIR)
export const CAPTURES_MISSING = `reference captures not found at ${CAPTURES_DIR}: fixture comparison skipped`

/** The recorded issuer of every capture. */
export const REFERENCE_ISSUER = 'http://localhost:2583'

export interface Capture {
  name: string
  file: string
  description: string
  time: string
  request: {
    method: string
    url: string
    headers: Record<string, string>
    body: string | null
    decoded?: { dpop?: { header: Record<string, unknown>; payload: Record<string, unknown> } }
  }
  response: { status: number; headers: [string, string][]; body: string; json?: any }
}

const FOLDERS = ['main', 'extra', 'extra/b', 'extra/c']

/** Every exchange of one folder, in file-number order. */
export function listCaptures(folder: string): Capture[] {
  const dir = `${CAPTURES_DIR}${folder}/`
  return readdirSync(dir)
    .filter((f) => /^\d{3}-.*\.json$/.test(f))
    .sort()
    .map((f) => ({ ...JSON.parse(readFileSync(dir + f, 'utf8')), file: `${folder}/${f}` }) as Capture)
}

/** One capture by name (names are unique across the folders, reference-captures/README.md). */
export function loadCapture(name: string): Capture {
  for (const folder of FOLDERS) {
    const dir = `${CAPTURES_DIR}${folder}/`
    const file = readdirSync(dir).find((f) => f.replace(/^\d{3}-/, '') === `${name}.json`)
    if (file) return { ...JSON.parse(readFileSync(dir + file, 'utf8')), file: `${folder}/${file}` } as Capture
  }
  throw new Error(`no capture named ${name}`)
}

/** The facts a fidelity comparison looks at (reference-captures/README.md "Using them as golden fixtures"). */
export interface WireFacts {
  status: number
  error?: string
  /** `error_description` (AS), `message` (XRPC), or the HTML error page's description. */
  description?: string
  bodyKeys?: string[]
  dpopNonce: boolean
  /** WWW-Authenticate with the `error_description` value masked; presence still counts. */
  wwwAuthenticate?: string
  cacheControl?: string
  exposeHeaders?: string
  /** Origin + path with the query parameter names in order, for redirects. */
  location?: string
}

function joined(headers: [string, string][], name: string): string | undefined {
  const lines = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v)
  return lines.length === 0 ? undefined : lines.join(', ')
}

function locationShape(location: string | undefined, issuer: string): string | undefined {
  if (location === undefined) return undefined
  const url = new URL(location)
  const names = [...url.searchParams.keys()].join(',')
  return `${url.origin}${url.pathname}?${names}`.replace(issuer, REFERENCE_ISSUER)
}

/** Error and description of a JSON body, or of an HTML error page (reference `__errorData`, mock ids). */
function errorOf(body: string, json: any): { error?: string; description?: string } {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    return { error: json.error, description: json.error_description ?? json.message }
  }
  const ref = /__errorData"\]=JSON\.parse\("((?:[^"\\]|\\.)*)"\)/.exec(body)
  if (ref) {
    const data = JSON.parse(JSON.parse(`"${ref[1]}"`))
    return { error: data.error, description: data.error_description }
  }
  const unescape = (s: string | undefined) =>
    s?.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
  const error = unescape(/<code id="error">([^<]*)</.exec(body)?.[1])
  const description = unescape(/id="error_description">([^<]*)</.exec(body)?.[1])
  return error === undefined ? {} : { error, description }
}

function facts(
  status: number,
  headers: [string, string][],
  body: string,
  json: any,
  issuer: string,
): WireFacts {
  const { error, description } = errorOf(body, json)
  const www = joined(headers, 'www-authenticate')?.replace(/error_description="[^"]*"/, 'error_description=…')
  const out: WireFacts = {
    status,
    dpopNonce: joined(headers, 'dpop-nonce') !== undefined,
    cacheControl: joined(headers, 'cache-control'),
    exposeHeaders: joined(headers, 'access-control-expose-headers'),
  }
  if (error !== undefined) out.error = error
  if (description !== undefined) out.description = description
  if (json && typeof json === 'object' && !Array.isArray(json)) out.bodyKeys = Object.keys(json).sort()
  if (www !== undefined) out.wwwAuthenticate = www
  const location = locationShape(joined(headers, 'location'), issuer)
  if (location !== undefined) out.location = location
  return out
}

export function factsOfCapture(c: Capture): WireFacts {
  let json = c.response.json
  if (json === undefined) {
    try {
      json = JSON.parse(c.response.body)
    } catch {
      json = undefined
    }
  }
  return facts(c.response.status, c.response.headers, c.response.body, json, REFERENCE_ISSUER)
}

export function factsOfResult(r: HttpResult, issuer: string): WireFacts {
  return facts(r.status, r.rawHeaders, r.text, r.json, issuer)
}

// ---------------------------------------------------------------------------------------------------------
// Re-signing recorded DPoP proofs for the mock: same header shape, same claims, this World's URLs and nonce.

interface ReplayKey {
  privateKey: KeyObject
  jwk: Record<string, unknown>
  jkt: string
}

const KEY_SPECS: Record<string, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES256K: () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: () => generateKeyPairSync('ed25519'),
}

const HASH: Record<string, string | null> = { ES256: 'sha256', ES256K: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256', PS256: 'sha256', EdDSA: null }

function signCompact(alg: string, key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  const options = alg.startsWith('ES')
    ? { key, dsaEncoding: 'ieee-p1363' as const }
    : alg.startsWith('PS')
      ? { key, padding: 6, saltLength: 32 }
      : { key }
  return `${input}.${cryptoSign(HASH[alg] ?? null, Buffer.from(input), options).toString('base64url')}`
}

/**
 * Maps a capture's proofs onto a World: one fresh key per recorded key (so "same key" and "other key" keep
 * their meaning), one fresh jti per recorded jti (so a replay stays a replay), `iat` at the same offset
 * from now as from the recording time, the World's issuer in `htu` (the recorded "other name" of the server,
 * 127.0.0.1:2583, becomes localhost:<port>), and a real recorded nonce replaced by the World's nonce.
 */
export class ProofReplayer {
  readonly #keys = new Map<string, ReplayKey>()
  readonly #jtis = new Map<string, string>()
  constructor(
    readonly issuer: string,
    readonly nonce: () => string | undefined,
  ) {}

  #key(alg: string, recordedJkt: string): ReplayKey {
    let key = this.#keys.get(recordedJkt)
    if (!key) {
      const spec = KEY_SPECS[alg]
      if (!spec) throw new Error(`no key spec for ${alg}`)
      const pair = spec()
      const jwk = pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>
      key = { privateKey: pair.privateKey, jwk, jkt: jwkThumbprint(jwk)! }
      this.#keys.set(recordedJkt, key)
    }
    return key
  }

  /** The World key standing for a recorded key thumbprint, if that key signed a proof already. */
  jktFor(recordedJkt: string): string | undefined {
    return this.#keys.get(recordedJkt)?.jkt
  }

  mapUrl(url: string): string {
    const port = new URL(this.issuer).port
    if (url.startsWith(REFERENCE_ISSUER.toUpperCase())) return this.issuer.toUpperCase() + url.slice(REFERENCE_ISSUER.length)
    if (url.startsWith(REFERENCE_ISSUER)) return this.issuer + url.slice(REFERENCE_ISSUER.length)
    if (url.startsWith('http://127.0.0.1:2583')) return `http://localhost:${port}${url.slice('http://127.0.0.1:2583'.length)}`
    return url
  }

  /** Re-signs a recorded proof, or returns undefined when the recorded header is not a decodable proof. */
  resign(recorded: string, recordedAt: string): string | undefined {
    const parts = recorded.split('.')
    if (parts.length !== 3) return undefined
    let header: Record<string, any>, payload: Record<string, any>
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))
      payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    } catch {
      return undefined
    }
    const recordedJkt = jwkThumbprint(header.jwk)
    if (!recordedJkt) return undefined
    const key = this.#key(header.alg, recordedJkt)
    const out: Record<string, unknown> = { ...payload }
    if (typeof payload.jti === 'string') {
      if (!this.#jtis.has(payload.jti)) this.#jtis.set(payload.jti, randomUUID())
      out.jti = this.#jtis.get(payload.jti)
    }
    if (typeof payload.htu === 'string') out.htu = this.mapUrl(payload.htu)
    if (typeof payload.iat === 'number') {
      const offset = payload.iat - Math.floor(Date.parse(recordedAt) / 1000)
      out.iat = Math.floor(Date.now() / 1000) + offset
    }
    if (typeof payload.nonce === 'string' && /^[A-Za-z0-9_-]{43}$/.test(payload.nonce)) out.nonce = this.nonce()
    return signCompact(header.alg, key.privateKey, { ...header, jwk: key.jwk }, out)
  }
}
