import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Claims of the access tokens the mock AS issues (reference-wire.md §5: HS256 at+jwt, no scope claim). */
export interface AccessTokenClaims {
  jti: string
  sub: string
  iat: number
  exp: number
  aud: string
  cnf: { jkt: string }
  client_id: string
  iss: string
}

const HEADER = Buffer.from(JSON.stringify({ typ: 'at+jwt', alg: 'HS256' })).toString('base64url')

/** Signs and checks access tokens with one HMAC secret shared by the World's AS and PDS. */
export class AccessTokenSigner {
  readonly #secret: Buffer
  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret
  }

  #mac(input: string): Buffer {
    return createHmac('sha256', this.#secret).update(input).digest()
  }

  sign(claims: AccessTokenClaims): string {
    const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return `${input}.${this.#mac(input).toString('base64url')}`
  }

  /** Whether the token looks like one of ours (three base64url parts); checked before the proof (§11.6). */
  static wellFormed(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)
  }

  /** Returns the claims when the signature is ours, undefined otherwise. */
  verify(token: string): AccessTokenClaims | undefined {
    if (!AccessTokenSigner.wellFormed(token)) return undefined
    const [h, p, s] = token.split('.') as [string, string, string]
    const sig = Buffer.from(s, 'base64url')
    const expected = this.#mac(`${h}.${p}`)
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined
    try {
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as AccessTokenClaims
    } catch {
      return undefined
    }
  }
}
