import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import type { World } from '../../harness/world.ts'
import { JWT_BEARER } from '../../mock-as/clients.ts'
import { expectAsError, expectParCreated } from '../helpers/expect-wire.ts'
import { TestClient } from '../helpers/oauth-client.ts'
import { useWorlds } from '../helpers/worlds.ts'

/**
 * META-18: the reference AS keeps a client's metadata document and JWKS for 10 min (oauth-provider.ts
 * `clientMetadataCache`, `clientJwksCache`, `ttl: 600e3`). Within that time a newly declared scope or key is
 * unknown to it and a removed key still works; `clientMetadataCacheTtlMs: 0` makes every request fetch again.
 */
const world = useWorlds()

const ORIGIN = 'https://client.world.internal'
const REDIRECT = `${ORIGIN}/callback`

function metadata(scope: string, extra: Record<string, unknown> = {}) {
  return {
    client_id: `${ORIGIN}/oauth-client-metadata.json`,
    client_name: 'cache test client',
    redirect_uris: [REDIRECT],
    scope,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    dpop_bound_access_tokens: true,
    ...extra,
  }
}

const fetches = (w: World, path: string) => w.transcript.exchanges({ server: 'client-host', path }).length

async function publicClient(w: World, scope: string) {
  const id = w.host('/oauth-client-metadata.json', { body: metadata(scope) })
  return TestClient.create(w, id)
}

const NOT_DECLARED = 'Scope "transition:email" is not declared in the client metadata'

describe('client metadata cache (META-18)', () => {
  it('reference: a scope declared after the AS fetched the document is refused for 10 min, then granted', async () => {
    const w = await world()
    const client = await publicClient(w, 'atproto transition:generic')
    expectParCreated((await client.par({ redirect_uri: REDIRECT, scope: 'atproto transition:generic' })).res)
    w.host('/oauth-client-metadata.json', { body: metadata('atproto transition:generic transition:email') })
    const wider = { redirect_uri: REDIRECT, scope: 'atproto transition:generic transition:email' }
    expectAsError((await client.par(wider)).res, 400, 'invalid_scope', NOT_DECLARED)
    w.clock.advance(599_000)
    expectAsError((await client.par(wider)).res, 400, 'invalid_scope', NOT_DECLARED)
    expect(fetches(w, '/oauth-client-metadata.json'), 'one fetch while the copy is fresh').toBe(1)
    w.clock.advance(1_000)
    expectParCreated((await client.par(wider)).res)
    expect(fetches(w, '/oauth-client-metadata.json')).toBe(2)
  })

  it('TTL 0: every request fetches the document, so the new scope is granted at once', async () => {
    const w = await world({ clientMetadataCacheTtlMs: 0 })
    const client = await publicClient(w, 'atproto transition:generic')
    expectParCreated((await client.par({ redirect_uri: REDIRECT, scope: 'atproto transition:generic' })).res)
    w.host('/oauth-client-metadata.json', { body: metadata('atproto transition:generic transition:email') })
    expectParCreated((await client.par({ redirect_uri: REDIRECT, scope: 'atproto transition:generic transition:email' })).res)
    expect(fetches(w, '/oauth-client-metadata.json')).toBe(2)
  })

  it('a failed fetch is not kept: the document served next is fetched', async () => {
    const w = await world()
    const id = w.host('/oauth-client-metadata.json', { status: 404, body: 'not yet' })
    const client = await TestClient.create(w, id)
    expect((await client.par({ redirect_uri: REDIRECT })).res.status).toBe(400)
    w.host('/oauth-client-metadata.json', { body: metadata('atproto transition:generic') })
    expectParCreated((await client.par({ redirect_uri: REDIRECT, scope: 'atproto' })).res)
  })
})

interface SigningKey {
  privateKey: CryptoKey
  jwk: JWK
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } }
}

describe('client JWKS cache (META-18)', () => {
  /** A confidential client whose keys are at a jwks_uri; PARs signed with `key`. */
  async function confidential(w: World, keys: SigningKey[]) {
    const id = w.host('/oauth-client-metadata.json', {
      body: metadata('atproto transition:generic', {
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks_uri: `${ORIGIN}/jwks.json`,
      }),
    })
    w.host('/jwks.json', { body: { keys: keys.map((k) => k.jwk) } })
    const client = await TestClient.create(w, id)
    const par = async (key: SigningKey) => {
      const assertion = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid! })
        .setIssuer(id)
        .setSubject(id)
        .setAudience(w.urls.issuer)
        .setIssuedAt()
        .sign(key.privateKey)
      return (await client.par({ redirect_uri: REDIRECT, client_assertion_type: JWT_BEARER, client_assertion: assertion })).res
    }
    return { par }
  }

  it('reference: a key published after the AS fetched the JWKS is unknown, a removed one still works, for 10 min', async () => {
    const w = await world()
    const [oldKey, newKey] = [await signingKey('old'), await signingKey('new')]
    const { par } = await confidential(w, [oldKey])
    expectParCreated(await par(oldKey))
    w.host('/jwks.json', { body: { keys: [newKey.jwk] } })
    expectAsError(await par(newKey), 400, 'invalid_client', 'Validation of "client_assertion" failed: no key with kid "new" in the client\'s JWKS')
    expectParCreated(await par(oldKey))
    expect(fetches(w, '/jwks.json')).toBe(1)
    w.clock.advance(600_000)
    expectParCreated(await par(newKey))
    expect((await par(oldKey)).status, 'the removed key, once the AS has the new JWKS').toBe(400)
  })

  it('TTL 0: the new key works at once and the removed one does not', async () => {
    const w = await world({ clientMetadataCacheTtlMs: 0 })
    const [oldKey, newKey] = [await signingKey('old'), await signingKey('new')]
    const { par } = await confidential(w, [oldKey])
    expectParCreated(await par(oldKey))
    w.host('/jwks.json', { body: { keys: [newKey.jwk] } })
    expectParCreated(await par(newKey))
    expect((await par(oldKey)).status).toBe(400)
  })
})
