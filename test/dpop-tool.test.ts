import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dpopKeyThumbprint, generateDpopKey, htuOf, readDpopKey, signDpopProof, writeKeyFile } from '../harness/dpop-tool.ts'
import { manualClock } from '../model/clock.ts'
import { verifyDpopProof } from '../protocol/dpop.ts'
import { accessTokenHash } from '../protocol/jwk.ts'
import { ReplayStore } from '../protocol/nonce.ts'
import { runChild } from './support/child.ts'

const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)
const check = (header: string, extra: { htm?: string; htu?: string; accessToken?: string } = {}) =>
  verifyDpopProof({ header, htm: extra.htm ?? 'POST', htu: extra.htu ?? 'http://127.0.0.1:6583/oauth/par', now: NOW, accessToken: extra.accessToken, replay: new ReplayStore(manualClock(NOW)) })

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aoc-dpop-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('DPoP by hand (keygen, dpop)', () => {
  it('signs a proof the mocks’ own verifier accepts, bound to the key, the method, the URL and the token', async () => {
    const jwk = await generateDpopKey()
    const iat = Math.floor(NOW / 1000)
    const proof = await signDpopProof(jwk, { htm: 'post', htu: 'http://127.0.0.1:6583/oauth/par?x=1#f', nonce: 'n1', iat })
    const verified = check(proof)!
    expect(verified.jkt).toBe(await dpopKeyThumbprint(jwk))
    expect(verified.payload).toMatchObject({ htm: 'POST', htu: 'http://127.0.0.1:6583/oauth/par', nonce: 'n1', iat })
    // The header carries the public key only.
    expect(JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString())).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } })

    // Another method or URL: the same verifier refuses it.
    expect(() => check(proof, { htm: 'GET' })).toThrow(/htm/)
    expect(() => check(proof, { htu: 'http://127.0.0.1:6583/oauth/token' })).toThrow(/htu/)

    const withAth = await signDpopProof(jwk, { htm: 'GET', htu: 'http://127.0.0.1:6584/xrpc/x', accessToken: 'tok', iat })
    expect(check(withAth, { htm: 'GET', htu: 'http://127.0.0.1:6584/xrpc/x', accessToken: 'tok' })!.payload.ath).toBe(accessTokenHash('tok'))
    expect(() => check(withAth, { htm: 'GET', htu: 'http://127.0.0.1:6584/xrpc/x', accessToken: 'other' })).toThrow(/ath/)
  })

  it('writes a key file readable by its owner only, and never over an existing file', async () => {
    const path = join(dir, 'k.json')
    const jwk = await generateDpopKey()
    await writeKeyFile(path, jwk)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readDpopKey(path)).toEqual(jwk)
    await expect(writeKeyFile(path, await generateDpopKey())).rejects.toThrow(`--out ${path}: the file exists; choose another name or remove it`)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(jwk)
  })

  it('says what is wrong with a key file, a method or a URL', async () => {
    await expect(readDpopKey(join(dir, 'none.json'))).rejects.toThrow(/cannot read the file \(ENOENT\); make one with `atproto-oauth-conformance keygen --out/)
    const pub = join(dir, 'pub.json')
    await writeFile(pub, JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }))
    await expect(readDpopKey(pub)).rejects.toThrow(/not a private EC P-256 JWK/)
    expect(() => htuOf('/oauth/par')).toThrow('--htu /oauth/par: not an absolute URL')
    expect(() => htuOf('ftp://x/y')).toThrow(/an http or https URL is expected/)
    await expect(signDpopProof(await generateDpopKey(), { htm: 'PO ST', htu: 'http://x/' })).rejects.toThrow(/an HTTP method is expected/)
  })

  it('runs from the CLI: keygen --out writes the key, dpop prints one JWS', async () => {
    const key = join(dir, 'cli.json')
    const made = await runChild(process.execPath, [BIN, 'keygen', '--out', key], { env: { ...process.env, NO_COLOR: '1' } })
    expect([made.code, made.stdout]).toEqual([0, ''])
    expect(made.stderr).toMatch(/^wrote .*cli\.json \(jkt [\w-]{43}\)\n$/)
    const signed = await runChild(process.execPath, [BIN, 'dpop', '--key', key, '--htm', 'POST', '--htu', 'http://127.0.0.1:6583/oauth/par'], { env: { ...process.env, NO_COLOR: '1' } })
    expect(signed.code).toBe(0)
    const proof = signed.stdout.trim()
    expect(proof).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const payload = JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString())
    expect(payload).toMatchObject({ htm: 'POST', htu: 'http://127.0.0.1:6583/oauth/par' })
  }, 60_000)
})
