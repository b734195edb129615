/** Lifetimes (reference-wire.md §11.3): public vs confidential sessions. */
export const LIFETIMES = {
  parSeconds: 300,
  /** Each opening of the page extends a request by this much (reference AUTHORIZATION_INACTIVITY_TIMEOUT). */
  authorizationInactivitySeconds: 300,
  codeSeconds: 300,
  accessTokenSeconds: 3600,
  public: { sessionMs: 14 * 86400_000, refreshMs: 14 * 86400_000 },
  confidential: { sessionMs: 2 * 365 * 86400_000, refreshMs: 90 * 86400_000 },
}
