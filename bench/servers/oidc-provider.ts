import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import Provider from 'oidc-provider'
import { exitWithParent } from '../lib/child.ts'
import { startStatsServer, untilStopped } from './stats-server.ts'
import { keyPairSync } from '../../protocol/key-pair.ts'

exitWithParent()

/**
 * oidc-provider configured for the closest equivalent of the atproto login the mock AS serves: a public native
 * client with a loopback redirect URI, PAR required, DPoP with server nonces required, PKCE S256 required, an
 * `atproto` scope; the interaction (sign in + consent) completes at once, as the mock's single form does.
 */
const server = createServer()
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`
const signingKey = { ...keyPairSync({ type: 'ec', namedCurve: 'P-256' }).privateJwk, kid: 'bench', alg: 'ES256', use: 'sig' }

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench-client',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1:8080/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      dpop_bound_access_tokens: true,
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: ['atproto'],
  claims: { atproto: [] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
  },
  enabledJWA: { dPoPSigningAlgValues: ['ES256'] },
  pkce: { required: () => true, methods: ['S256'] },
  interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
})
const callback = provider.callback()
server.on('request', (req, res) => {
  if (!req.url?.startsWith('/interaction/')) return callback(req, res)
  void (async () => {
    const details = await provider.interactionDetails(req, res)
    const grant = new provider.Grant({ accountId: 'did:plc:bench', clientId: String(details.params.client_id) })
    grant.addOIDCScope('atproto')
    const grantId = await grant.save()
    await provider.interactionFinished(req, res, { login: { accountId: 'did:plc:bench' }, consent: { grantId } }, { mergeWithLastSubmission: false })
  })().catch((err: Error) => {
    res.statusCode = 500
    res.end(err.message)
  })
})
const stats = await startStatsServer()
console.log(`READY ${issuer} ${stats}`)
untilStopped(() => new Promise((resolve) => server.close(() => resolve())))
