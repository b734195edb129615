import { OAuthError } from '../protocol/errors.ts'

/** The error an injected 5xx answers with. */
export function injectedServerError(status: number): OAuthError {
  return status === 503
    ? new OAuthError('temporarily_unavailable', 'The server is temporarily unavailable (injected by the scenario)', 503)
    : new OAuthError('server_error', 'Internal server error (injected by the scenario)', status)
}
