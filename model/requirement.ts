/** A requirement's level in the catalog. */
export type Level = 'MUST' | 'SHOULD' | 'MAY'

/** A requirement of the catalog in shared/spec (e.g. `ISS-03`), with its level. */
export interface RequirementRef {
  id: string
  level: Level
}

/** Scenario families (DESIGN §3). */
export type Family =
  | 'DISC' | 'META' | 'PAR' | 'DPOP' | 'NONCE' | 'PKCE' | 'STATE' | 'ISS' | 'BIND'
  | 'TOKEN' | 'REFRESH' | 'REVOKE' | 'RES' | 'CONF' | 'LOOP' | 'SCOPE' | 'IDENT'
  /** Backend-for-frontend session layer (harness/bff/). */
  | 'BFF'

/** AS and PDS on different origins (like bsky.social), or the PDS as its own AS. */
export type Topology = 'entryway' | 'self-hosted'
