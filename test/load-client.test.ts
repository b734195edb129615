import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BUNDLED_CLIENTS, describeLoadError, undiciProblem } from '../harness/load-client.ts'
import { runChild } from './support/child.ts'

const BIN = new URL('../bin/atproto-oauth-conformance.js', import.meta.url).pathname

describe('undici on old Node', () => {
  it('names the one-line fix only where undici 8 cannot load', () => {
    expect(undiciProblem('20.20.2', '8.14.0')).toMatch(/undici 8\.14\.0, .* Node 20\.20\.2 .*Fix: npm install --save-dev undici_v8@npm:undici@8\.0\.2/)
    expect(undiciProblem('22.18.0', '8.0.3')).toMatch(/Fix: npm install --save-dev undici_v8@npm:undici@8\.0\.2/)
    // 8.0.2 still loads on Node 20; Node 22.19 and later load any undici 8; an unresolved one is not guessed at.
    expect(undiciProblem('20.19.0', '8.0.2')).toBeUndefined()
    expect(undiciProblem('22.19.0', '8.14.0')).toBeUndefined()
    expect(undiciProblem('24.1.0', '8.14.0')).toBeUndefined()
    expect(undiciProblem('20.19.0', undefined)).toBeUndefined()
  })
})

describe('load errors', () => {
  it('a missing client package gives the exact install of the bundled client', () => {
    const err = Object.assign(new Error("Cannot find package '@atproto/oauth-client-node' imported from /p/node_modules/atproto-oauth-conformance/dist/examples/clients/official-node/adapter.js"), { code: 'ERR_MODULE_NOT_FOUND' })
    expect(describeLoadError(err, BUNDLED_CLIENTS.official)).toBe(
      "the package @atproto/oauth-client-node is not installed (Cannot find package '@atproto/oauth-client-node' imported from /p/node_modules/atproto-oauth-conformance/dist/examples/clients/official-node/adapter.js). Fix: npm install --save-dev @atproto/oauth-client-node@0.5.3",
    )
    const own = Object.assign(new Error("Cannot find package 'left-pad' imported from /p/adapter.mjs"), { code: 'ERR_MODULE_NOT_FOUND' })
    expect(describeLoadError(own)).toMatch(/the package left-pad is not installed .*Fix: npm install --save-dev left-pad$/)
  })

  it('a missing relative file is a path to correct, not a package to install', () => {
    const err = Object.assign(new Error("Cannot find module '/p/helpers.js' imported from /p/adapter.mjs"), { code: 'ERR_MODULE_NOT_FOUND' })
    expect(describeLoadError(err)).toMatch(/imports a file that does not exist.*Fix: correct the import path/)
  })
})

describe('the CLI loading broken adapters', () => {
  const dirs: string[] = []
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
  async function adapter(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'aoc-adapter-'))
    dirs.push(dir)
    await writeFile(join(dir, name), text)
    return join(dir, name)
  }
  const load = async (file: string) => runChild(process.execPath, [BIN, 'run', '--client', file, '--report-dir', join(file, '..', 'r')], { timeoutMs: 25_000 })

  it('a CommonJS module that throws: the exception and its place, exit 2', async () => {
    const file = await adapter('throws.cjs', "throw new Error('no config file')\n")
    const r = await load(file)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`the module threw while loading: Error: no config file (at Object.<anonymous> (${file}:1:7))`)
    expect(r.stderr).not.toMatch(/in a cycle/)
  })

  it('no default export: the names it exports and the line to add', async () => {
    const file = await adapter('named.mjs', 'export function makeDriver() {}\n')
    const r = await load(file)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('it exports makeDriver but no default. Fix: add `export default makeDriver`')
  })

  it('a CommonJS factory loads (module.exports = factory) and runs', async () => {
    const file = await adapter('ok.cjs', "module.exports = () => { throw new Error('factory reached') }\n")
    const r = await load(file)
    // The factory ran: its own error is the usage error, not a load failure.
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('factory reached')
    expect(r.stderr).not.toMatch(/failed to load|must export a default/)
  })
})
