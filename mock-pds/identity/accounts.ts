import { randomBytes } from 'node:crypto'

/** A test account the World hosts: handle, DID and the password the user agent types. */
export interface Account {
  handle: string
  did: string
  password: string
  /** Which DID method the account uses (did:web accounts live on the identity server's origin). */
  method: 'plc' | 'web'
  /**
   * The account lives on a PDS outside this World's AS: its DID document names the identity server's origin,
   * which plays that foreign PDS and its own authorization server (for BIND-03 scenarios).
   */
  foreign?: boolean
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** A syntactically valid did:plc: 24 characters of lower-case base32 (DID spec). */
export function randomPlcDid(): string {
  const bytes = randomBytes(24)
  let id = ''
  for (const b of bytes) id += BASE32[b % 32]
  return `did:plc:${id}`
}

/** did:web for a loopback origin: the port's colon is percent-encoded (did:web spec). */
export function loopbackWebDid(port: number): string {
  return `did:web:localhost%3A${port}`
}
