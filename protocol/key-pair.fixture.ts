// A child process for key-pair.test.ts: `count` key pairs, each exported as JWKs right away and again, with many
// garbage collections (the test runs it with a tiny young generation). `raw` takes generateKeyPairSync's own keys,
// `helper` those of keyPairSync; it prints "done" when all are through.
import { generateKeyPairSync } from 'node:crypto'
import { keyPairSync, type KeyPairSpec } from './key-pair.ts'

const [mode, count] = [process.argv[2], Number(process.argv[3])]
const specs: KeyPairSpec[] = [{ type: 'ec', namedCurve: 'P-256' }, { type: 'ed25519' }]
for (let i = 0; i < count; i++) {
  const spec = specs[i % specs.length]!
  const pair = mode === 'raw' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : keyPairSync(spec)
  // Exports make nearly all the allocation, so the collections fall inside them, as the deadlock needs.
  for (let j = 0; j < 10; j++) {
    pair.publicKey.export({ format: 'jwk' })
    pair.privateKey.export({ format: 'jwk' })
  }
}
process.stdout.write('done\n')
