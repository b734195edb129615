import { createHash, randomBytes } from 'node:crypto'
import { open, readFile } from 'node:fs/promises'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import { HarnessError } from '../protocol/errors.ts'

/**
 * DPoP by hand, for driving `serve` with curl: `keygen` makes an ES256 key pair (a private JWK), `dpop` signs one
 * proof with it (RFC 9449 §4.2: typ dpop+jwt, the public jwk in the header, jti, htm, htu, iat, and nonce and
 * ath when given). A proof is good for one request: sign a new one for every request, nonce retries included.
 */

/** A new ES256 key pair as a private JWK (with `d`): what `dpop --key` reads. */
export async function generateDpopKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return { ...(await exportJWK(privateKey)), alg: 'ES256' }
}

/** Writes the key to `path`, never over an existing file (a key is a secret; a typo must not replace one). */
export async function writeKeyFile(path: string, jwk: JWK): Promise<void> {
  let handle
  try {
    handle = await open(path, 'wx', 0o600)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new HarnessError('ERR_CONFIG', `--out ${path}: ${code === 'EEXIST' ? 'the file exists; choose another name or remove it' : `cannot create the file (${code})`}`)
  }
  try {
    await handle.writeFile(`${JSON.stringify(jwk)}\n`)
  } finally {
    await handle.close()
  }
}

/** Reads a private EC P-256 JWK, saying what is wrong with a file that is not one. */
export async function readDpopKey(path: string): Promise<JWK> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new HarnessError('ERR_CONFIG', `--key ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); make one with \`atproto-oauth-conformance keygen --out ${path}\``)
  }
  let jwk: JWK
  try {
    jwk = JSON.parse(text) as JWK
  } catch {
    throw new HarnessError('ERR_CONFIG', `--key ${path}: not JSON; give a private JWK as \`keygen\` writes it`)
  }
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new HarnessError('ERR_CONFIG', `--key ${path}: not a private EC P-256 JWK (kty EC, crv P-256, x, y and d); make one with \`atproto-oauth-conformance keygen\``)
  }
  return jwk
}

export interface ProofRequest {
  /** HTTP method, e.g. POST. */
  htm: string
  /** The request URL; a query or fragment is dropped (htu is the URL without them, RFC 9449 §4.2). */
  htu: string
  /** The server's latest DPoP-Nonce. */
  nonce?: string
  /** The access token the request carries (resource requests): its SHA-256 becomes `ath`. */
  accessToken?: string
  /** Seconds since the epoch; the machine's clock when absent. */
  iat?: number
}

/** The htu for a URL: scheme, host, port and path; a query or fragment is removed. */
export function htuOf(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new HarnessError('ERR_CONFIG', `--htu ${url}: not an absolute URL (e.g. http://127.0.0.1:6583/oauth/par)`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HarnessError('ERR_CONFIG', `--htu ${url}: an http or https URL is expected`)
  u.search = ''
  u.hash = ''
  return u.href
}

/** One DPoP proof (compact JWS) for one request, signed with `jwk`. */
export async function signDpopProof(jwk: JWK, request: ProofRequest): Promise<string> {
  const htm = request.htm.toUpperCase()
  if (!/^[A-Z]+$/.test(htm)) throw new HarnessError('ERR_CONFIG', `--htm ${request.htm}: an HTTP method is expected (GET, POST, …)`)
  const key = await importJWK(jwk, 'ES256')
  // The header carries the public half only (no d).
  const { d: _private, ...pub } = jwk
  const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y }
  const payload: Record<string, unknown> = {
    jti: randomBytes(16).toString('base64url'),
    htm,
    htu: htuOf(request.htu),
    iat: request.iat ?? Math.floor(Date.now() / 1000),
  }
  if (request.nonce !== undefined) payload.nonce = request.nonce
  if (request.accessToken !== undefined) payload.ath = createHash('sha256').update(request.accessToken).digest('base64url')
  return new SignJWT(payload).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }).sign(key)
}

/** The key's RFC 7638 thumbprint: the `jkt` the AS binds tokens to (`cnf.jkt`, `dpop_jkt`). */
export function dpopKeyThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })
}
