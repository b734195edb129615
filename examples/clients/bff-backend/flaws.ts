/**
 * Deliberate flaws of the example backend, one switch each, so the BFF scenarios can prove they catch them.
 * Most are the pattern of a widely copied browser-extension guide: tokens handed to the extension, a refresh
 * endpoint keyed by DID, PDS tokens accepted as the backend's credential, a logout that only clears the
 * extension's storage, CORS for any origin.
 */
export const BFF_FLAWS = {
  'tokens-in-fragment': 'the callback redirects to the frontend with the access and refresh token in the fragment',
  'refresh-returns-tokens': 'the refresh endpoint answers with the new access token and refresh token',
  'refresh-by-did': 'the refresh endpoint takes `{ did }` from the body and refreshes that account, session or not',
  'api-by-did': 'the API takes the account from a `did` parameter before the session',
  'validates-pds-token': 'the API accepts `Authorization: Bearer <PDS access token>` and acts for its `sub`',
  'permissive-cors': 'CORS reflects any Origin with credentials, and requests from any origin are served',
  'weak-cookie': 'the session cookie is `sid` without HttpOnly, Secure or SameSite',
  'no-login-binding': 'the callback accepts any authorization response, whichever browser started the login',
  'open-redirect': 'the callback redirects to the login request\'s `target_link_uri` when there is one',
  'client-per-request': 'a new OAuth client instance per request, so concurrent requests refresh each on their own',
  'error-on-refresh-failure': 'a failed refresh answers the frontend 500 and keeps the frontend session',
  'logout-local-only': 'logout clears the cookie but neither revokes at the AS nor deletes the backend session',
} as const

export type BffFlaw = keyof typeof BFF_FLAWS

export const BFF_FLAW_NAMES = Object.keys(BFF_FLAWS) as BffFlaw[]

/** What the guide does, all at once: the "guide pattern" variant of the detection matrix. */
export const GUIDE_PATTERN: readonly BffFlaw[] = [
  'tokens-in-fragment',
  'refresh-returns-tokens',
  'refresh-by-did',
  'validates-pds-token',
  'logout-local-only',
  'permissive-cors',
]
