import { expect } from 'vitest'
import { header, headerLines, type HttpResult } from './http.ts'

/** The algorithm list of every reference WWW-Authenticate challenge (reference-wire.md §2, §11.2). */
export const CHALLENGE_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES256K ES384 ES512'

/** The exact challenge the reference sends: `error_description` dropped when it contains a `"` (§2). */
export function dpopChallenge(error: string, description?: string): string {
  const desc = description !== undefined && !description.includes('"') ? `, error_description="${description}"` : ''
  return `DPoP algs="${CHALLENGE_ALGS}", error="${error}"${desc}`
}

const NONCE = /^[A-Za-z0-9_-]{43}$/

/** The §2 header set of /oauth/par, /oauth/token and /oauth/revoke (success and error alike). */
export function expectAsHeaderSet(res: HttpResult, withChallenge: boolean): void {
  expect(header(res, 'access-control-max-age')).toBe('86400')
  expect(header(res, 'access-control-allow-origin')).toBe('*')
  expect(header(res, 'access-control-allow-methods')).toBe('*')
  expect(header(res, 'access-control-allow-headers')).toBe('Content-Type,DPoP')
  expect(header(res, 'cache-control')).toBe('no-store')
  expect(header(res, 'pragma')).toBe('no-cache')
  expect(header(res, 'dpop-nonce')).toMatch(NONCE)
  // Two separate lines on a 401, as the reference appends the second (§2, §11.2).
  expect(headerLines(res, 'access-control-expose-headers')).toEqual(
    withChallenge ? ['DPoP-Nonce', 'WWW-Authenticate'] : ['DPoP-Nonce'],
  )
  expect(header(res, 'content-type')).toBe('application/json')
}

/** An AS error: exact status and body, the §2 headers, WWW-Authenticate exactly on 401s (§2 table). */
export function expectAsError(res: HttpResult, status: number, error: string, description: string): void {
  expect({ status: res.status, body: res.json }, res.text).toEqual({
    status,
    body: { error, error_description: description },
  })
  const withChallenge = status === 401
  expectAsHeaderSet(res, withChallenge)
  expect(header(res, 'www-authenticate')).toBe(withChallenge ? dpopChallenge(error, description) : undefined)
}

/** An AS success with the §2 header set and no challenge. */
export function expectAsOk(res: HttpResult, status = 200): void {
  expect(res.status, res.text).toBe(status)
  expectAsHeaderSet(res, false)
  expect(header(res, 'www-authenticate')).toBeUndefined()
}

/** A 201 PAR answer: `{request_uri, expires_in}` (§3). */
export function expectParCreated(res: HttpResult): void {
  expectAsOk(res, 201)
  expect(Object.keys(res.json).sort()).toEqual(['expires_in', 'request_uri'])
  expect(res.json.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:req-[0-9a-f]{32}$/)
  expect([299, 300]).toContain(res.json.expires_in)
  expect(header(res, 'location')).toBeUndefined()
}

/** A 200 token response in the reference key order (§5). */
export function expectTokenResponse(res: HttpResult, sub: string): void {
  expectAsOk(res, 200)
  expect(Object.keys(res.json)).toEqual(['access_token', 'token_type', 'refresh_token', 'scope', 'expires_in', 'sub'])
  expect(res.json).toMatchObject({ token_type: 'DPoP', scope: 'atproto transition:generic', sub })
  expect(res.json.refresh_token).toMatch(/^ref-[0-9a-f]{64}$/)
  expect([3599, 3600]).toContain(res.json.expires_in)
}

/**
 * An XRPC error of the DPoP auth path (§6, §11.6): 401 + exact challenge, `{error, message}` body,
 * DPoP-Nonce, `Cache-Control: private`, both expose lines.
 */
export function expectXrpcOAuthError(res: HttpResult, error: string, message: string, status = 401): void {
  expect({ status: res.status, body: res.json }, res.text).toEqual({ status, body: { error, message } })
  expect(header(res, 'www-authenticate')).toBe(dpopChallenge(error, message))
  expect(header(res, 'dpop-nonce')).toMatch(NONCE)
  expect(headerLines(res, 'access-control-expose-headers')).toEqual(['DPoP-Nonce', 'WWW-Authenticate'])
  expect(header(res, 'cache-control')).toBe('private')
  expect(header(res, 'access-control-allow-origin')).toBe('*')
  expect(header(res, 'content-type')).toBe('application/json; charset=utf-8')
}

/**
 * An XRPC error outside the OAuth path (AuthMissing, legacy Bearer, malformed header): no challenge and no
 * DPoP-Nonce; `cacheControl` as recorded for that capture (undefined = header absent).
 */
export function expectXrpcPlainError(
  res: HttpResult,
  status: number,
  error: string,
  message: string,
  cacheControl: string | undefined,
): void {
  expect({ status: res.status, body: res.json }, res.text).toEqual({ status, body: { error, message } })
  expect(header(res, 'www-authenticate')).toBeUndefined()
  expect(header(res, 'dpop-nonce')).toBeUndefined()
  expect(header(res, 'cache-control')).toBe(cacheControl)
  expect(header(res, 'access-control-allow-origin')).toBe('*')
}

/** A 200 XRPC answer of the DPoP path (`rs-dpop-ok`): DPoP-Nonce exposed, `Cache-Control: private`. */
export function expectXrpcOk(res: HttpResult): void {
  expect(res.status, res.text).toBe(200)
  expect(header(res, 'www-authenticate')).toBeUndefined()
  expect(header(res, 'dpop-nonce')).toMatch(NONCE)
  expect(headerLines(res, 'access-control-expose-headers')).toEqual(['DPoP-Nonce'])
  expect(header(res, 'cache-control')).toBe('private')
  expect(header(res, 'vary')).toBe('Authorization, Accept-Encoding')
  expect(header(res, 'access-control-allow-origin')).toBe('*')
}

/** Reads the OAuth error an authorize HTML error page shows. */
export function htmlError(res: HttpResult): { error?: string; error_description?: string } {
  const unescape = (s: string | undefined) =>
    s?.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
  return {
    error: unescape(/<code id="error">([^<]*)</.exec(res.text)?.[1]),
    error_description: unescape(/id="error_description">([^<]*)</.exec(res.text)?.[1]),
  }
}
