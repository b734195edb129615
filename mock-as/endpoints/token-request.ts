/**
 * The shape checks of a token and a revocation request, made before the DPoP proof is looked at, in the
 * words of the reference's request schemas (`oauthTokenRequestSchema`, `oauthTokenIdentificationSchema` of
 * @atproto/oauth-types, joined as its `formatZodError` joins them: `<message> at body.<field>`, issues with
 * `; `, the branches of a union with `, or `). A request that fails here spends nothing: the code or the
 * refresh token it carries stays usable.
 */
import { InvalidGrantError, InvalidRequestError } from '../../protocol/errors.ts'

type Params = Record<string, unknown>

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'password', 'client_credentials']

/** zod's words for a value that is not a string (`Required` when it is absent). */
function notString(v: unknown): string | undefined {
  if (v === undefined) return 'Required'
  if (typeof v === 'string') return undefined
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
  return `Expected string, received ${type}`
}

function at(field: string, message: string): string {
  return `${message} at body.${field}`
}

/** `z.string().min(1)`. */
function nonEmpty(params: Params, field: string): string[] {
  const v = params[field]
  const type = notString(v)
  if (type) return [at(field, type)]
  return v === '' ? [at(field, 'String must contain at least 1 character(s)')] : []
}

function loopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]'
}

function parses(value: string): boolean {
  try {
    new URL(value)
    return value.includes(':')
  } catch {
    return false
  }
}

/** `oauthRedirectUriSchema`: https, loopback http (not `localhost`) or a private-use scheme. */
function redirectUriIssues(params: Params): string[] {
  const v = params.redirect_uri
  const type = notString(v)
  if (type) return [at('redirect_uri', type)]
  const value = v as string
  const issue = (m: string) => [at('redirect_uri', m)]
  if (value.startsWith('https:')) {
    if (!parses(value)) return issue('Invalid URL')
    if (!value.startsWith('https://')) return issue('URL must use the "https:" protocol')
    return loopbackHost(new URL(value).hostname) ? issue('https: URL must not use a loopback host') : []
  }
  if (value.startsWith('http:')) {
    if (!parses(value)) return issue('Invalid URL')
    if (!value.startsWith('http://')) return issue('URL must use the "http:" protocol')
    if (!loopbackHost(new URL(value).hostname)) return issue('URL must use "localhost", "127.0.0.1" or "[::1]" as hostname')
    if (value.startsWith('http://localhost')) {
      return issue('Use of "localhost" hostname is not allowed (RFC 8252), use a loopback IP such as "127.0.0.1" instead')
    }
    return []
  }
  if (/^[^.:]+(?:\.[^.:]+)+:/.test(value)) return []
  return issue('URL must use the "https:" or "http:" protocol, or a private-use URI scheme (RFC 8252)')
}

/** `code_verifier`: optional; 43 to 128 characters of the RFC 7636 alphabet, every failed rule reported. */
function verifierIssues(params: Params): string[] {
  const v = params.code_verifier
  if (v === undefined) return []
  const type = notString(v)
  if (type) return [at('code_verifier', type)]
  const value = v as string
  const out: string[] = []
  if (value.length < 43) out.push(at('code_verifier', 'String must contain at least 43 character(s)'))
  if (value.length > 128) out.push(at('code_verifier', 'String must contain at most 128 character(s)'))
  if (!/^[a-zA-Z0-9-._~]+$/.test(value)) out.push(at('code_verifier', 'Invalid'))
  return out
}

function grantIssues(params: Params): string[] {
  const grantType = params.grant_type
  if (typeof grantType !== 'string' || !GRANT_TYPES.includes(grantType)) {
    return [at('grant_type', `Invalid discriminator value. Expected ${GRANT_TYPES.map((g) => `'${g}'`).join(' | ')}`)]
  }
  switch (grantType) {
    case 'authorization_code':
      return [...nonEmpty(params, 'code'), ...redirectUriIssues(params), ...verifierIssues(params)]
    case 'refresh_token':
      return nonEmpty(params, 'refresh_token')
    case 'password':
      return ['username', 'password'].flatMap((f) => {
        const type = notString(params[f])
        return type ? [at(f, type)] : []
      })
    default:
      return []
  }
}

/** The token request's shape (reference: 400 invalid_grant `Invalid request payload: …`). */
export function checkTokenRequest(params: Params): void {
  const issues = grantIssues(params ?? {})
  if (issues.length > 0) throw new InvalidGrantError(`Invalid request payload: ${issues.join('; ')}`)
}

/** The revocation request's shape (reference: 400 invalid_request `Invalid request payload: …`). */
export function checkRevokeRequest(body: Params): void {
  const params = body ?? {}
  // `token` is a union of the access and the refresh token schema, both `z.string().min(1)`. Not a string: both
  // branches fail, the issue twice (`, or `); an empty string: zod keeps the first branch's issue alone.
  const token = nonEmpty(params, 'token')
  const issues = token.length === 0 ? [] : params.token === '' ? [token[0]!] : [`${token[0]}, or ${token[0]}`]
  const hint = params.token_type_hint
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
    const received = typeof hint === 'string' ? `'${hint}'` : String(hint)
    issues.push(at('token_type_hint', `Invalid enum value. Expected 'access_token' | 'refresh_token', received ${received}`))
  }
  if (issues.length > 0) throw new InvalidRequestError(`Invalid request payload: ${issues.join('; ')}`)
}

/** 68 characters: the prefix and 32 random bytes in hex (reference `codeSchema`, `refreshTokenSchema`). */
const HANDED_OUT_LENGTH = 68

/**
 * The format of a code or a refresh token (reference: `Invalid code: String must contain exactly 68
 * character(s) at code; Invalid code format at code`), checked before the store is asked.
 */
export function checkHandedOutFormat(value: string, prefix: 'cod-' | 'ref-', what: 'code' | 'refresh_token'): void {
  const issues: string[] = []
  if (value.length !== HANDED_OUT_LENGTH) issues.push(`String must contain exactly ${HANDED_OUT_LENGTH} character(s) at ${what}`)
  const label = what === 'code' ? 'code' : 'refresh token'
  if (!value.startsWith(prefix)) issues.push(`Invalid ${label} format at ${what}`)
  if (issues.length > 0) throw new InvalidGrantError(`Invalid ${label}: ${issues.join('; ')}`)
}
