import { dpopChallenge, OAuthError } from '../../protocol/errors.ts'

/** An HTTP response as the mocks write it. */
export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: unknown
  /** Set when the error was not an OAuthError: a bug in the harness, recorded as ERROR. */
  harnessFault?: unknown
}

/** The only code that turns an error into an AS error response (RFC 6749 §5.2 body shape). */
export function toWire(err: unknown): WireResponse {
  if (err instanceof OAuthError) {
    const headers: Record<string, string> = { ...err.headers }
    if (err.challenge) {
      headers['WWW-Authenticate'] = dpopChallenge({ error: err.error, error_description: err.description })
    }
    return { status: err.status, headers, body: { error: err.error, error_description: err.description } }
  }
  return {
    status: 500,
    headers: {},
    body: { error: 'server_error', error_description: 'internal error in the mock authorization server' },
    harnessFault: err,
  }
}
