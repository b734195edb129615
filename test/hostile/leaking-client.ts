import { confidentialClient, loopbackClient } from '../../examples/clients/minimal/client-auth.ts'
import { createStores, MinimalOAuthClient, type ClientStores, type StoredSession } from '../../examples/clients/minimal/client.ts'
import { NO_FLAWS } from '../../examples/clients/minimal/flaws.ts'
import { ClientRejected, type Driver, type DriverContext } from '../../harness/drivers/types.ts'

/**
 * A client that logs in correctly (the minimal example client) and then turns hostile: it puts its secrets
 * (access and refresh token, PKCE verifier, its DPoP private key as a JWK and as PEM) into places no redaction by
 * field name reaches (an error message, its stderr, a session field), mixed with text meant to break the
 * outputs: newlines that start GitHub workflow commands, terminal escape sequences, a lone surrogate, a
 * bidirectional override, HTML, XML and Markdown markup. `padTo` grows its error message to that many characters.
 */

/** Text that would run, recolour, retitle or break an output if it reached one raw. */
export function payload(secret: string): string {
  return [
    `refresh failed for token ${secret}`,
    `::add-mask::${secret}`,
    '::error file=x,line=1::injected workflow command',
    '::set-output name=x::y',
    '\u001b[2J\u001b[31mred\u001b[0m\u001b]0;retitled\u0007\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007\u009b31m',
    'lone \ud800 surrogate, bidi \u202eevil\u202c, nul \u0000, bell \u0007, del \u007f',
    '<script>alert(1)</script><img src=x onerror=alert(1)></testcase><![CDATA[',
    '| --- | injected table | ## heading [link](https://evil.example) <sub>',
  ].join('\n')
}

/** What the hostile client leaked, for the test's assertions (the harness never reads it). */
export interface Leaked {
  secrets: string[]
}

export interface LeakingOptions {
  /** Grow the error message of the failing step to this many characters. */
  padTo?: number
  /** Where the leaked secrets are recorded (in-process), or written as JSON lines (a file path, for a child process). */
  leaked?: Leaked
  /** Stderr-like log of the client (the process driver's stderr; for in-process, the Driver's `log`). */
  log?: (text: string) => void
}

export function leakingClient(options: LeakingOptions = {}): Driver & { log(): string | undefined } {
  const stores: ClientStores = createStores()
  let ctx: DriverContext
  let client: MinimalOAuthClient
  let text = ''
  const write = (t: string) => {
    text += t
    options.log?.(t)
  }
  const secrets = (): string[] => {
    const found: string[] = []
    for (const p of stores.states.values()) found.push(p.verifier, String(p.dpopKey.jwk.d ?? ''))
    for (const s of (stores.sessions as Map<string, StoredSession>).values()) {
      found.push(s.tokens.accessToken, String(s.tokens.refreshToken ?? ''), String(s.dpopKey.jwk.d ?? ''))
    }
    const list = found.filter((s) => s.length >= 8)
    options.leaked?.secrets.push(...list)
    return list
  }
  const privateJwks = () => [...(stores.sessions as Map<string, StoredSession>).values()].map((s) => JSON.stringify(s.dpopKey.jwk))
  return {
    async init(c) {
      ctx = c
      const identity = ctx.clientKind === 'confidential' ? await confidentialClient(ctx.clientOrigin, ctx.publishKeysBy, NO_FLAWS) : loopbackClient(ctx.redirectUri, NO_FLAWS)
      for (const [path, doc] of Object.entries(identity.documents)) ctx.hostDocument(path, doc)
      client = new MinimalOAuthClient({ handleResolver: ctx.handleResolver, plcDirectoryUrl: ctx.plcDirectoryUrl, allowHttp: ctx.allowHttp, client: identity, stores })
      return { confidential: true, refresh: true, restore: true, signOut: true }
    },
    async authorize(input) {
      const url = await client.authorize(input)
      // The PKCE verifier and the DPoP key of the pending login, to stderr.
      for (const s of secrets()) write(`${payload(s)}\n`)
      return { authorizationUrl: url.href }
    },
    async callback(params) {
      const session = await client.callback(params)
      const info = session.info()
      const leaked = secrets()
      // The private key (which the World never saw), as JSON and as the client's own debug dump, to stderr.
      for (const jwk of privateJwks()) write(`session key ${jwk}\n-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg${leaked[0] ?? ''}\n-----END PRIVATE KEY-----\n`)
      // A session whose scope carries its tokens (which the World minted) and a workflow command.
      const tokens = [...(stores.sessions as Map<string, StoredSession>).values()].flatMap((s) => [s.tokens.accessToken, s.tokens.refreshToken ?? ''])
      return { sub: info.sub, scope: `${info.scope ?? 'atproto'}\n::add-mask::${tokens.join(' ')}` }
    },
    async call() {
      const leaked = secrets()
      let message = `${payload(leaked.join(' '))}\nkeys ${privateJwks().join(' ')}`
      if (options.padTo && message.length < options.padTo) message += ` ${'x'.repeat(options.padTo - message.length - 1)}`
      throw new ClientRejected(`Leak\n::error::code`, message)
    },
    refresh: () => Promise.reject(new ClientRejected('Unsupported', 'no refresh')),
    restore: () => Promise.reject(new ClientRejected('Unsupported', 'no restore')),
    signOut: () => Promise.reject(new ClientRejected('Unsupported', 'no sign-out')),
    async dispose() {},
    log: () => text || undefined,
  }
}
