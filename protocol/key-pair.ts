import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'

export type KeyPairSpec = { type: 'ec'; namedCurve: string } | { type: 'rsa'; modulusLength: number } | { type: 'ed25519' }

/** A key pair as KeyObjects, and as the JWKs it was generated as (its private one holds the private members). */
export interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
  privateJwk: Record<string, string>
  publicJwk: Record<string, string>
}

/**
 * A key pair generated synchronously, as KeyObjects that are safe to export, and as JWKs.
 *
 * On Node 20, exporting a KeyObject that `generateKeyPairSync` returned can block the thread for good: the export
 * holds the key's lock while it allocates, the allocation runs a garbage collection, the collection frees the
 * finished key-generation job, and the job's destructor waits for that same lock (`KeyGenJob::~KeyGenJob` under
 * `ExportJWKEcKey`; Node 22 and 24 do not have it). Here the pair is generated straight into JWKs, which happens
 * inside the job, and imported again, so no job shares a lock with the keys returned.
 */
export function keyPairSync(spec: KeyPairSpec): KeyPair {
  const encoding = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } } as const
  // @types/node types only PEM and DER encodings for key generation; Node takes JWK too.
  const generate = generateKeyPairSync as unknown as (type: string, options: object) => { privateKey: Record<string, string>; publicKey: Record<string, string> }
  const { type, ...options } = spec
  const jwks = generate(type, { ...options, ...encoding })
  const privateKey = createPrivateKey({ key: jwks.privateKey as JsonWebKey, format: 'jwk' })
  return { privateKey, publicKey: createPublicKey(privateKey), privateJwk: jwks.privateKey, publicJwk: jwks.publicKey }
}
