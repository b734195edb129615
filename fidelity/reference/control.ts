/**
 * Starting, finding and stopping the reference server: `@atproto/pds` + a PLC directory in one detached
 * Node 22 process (`server.mjs`), on loopback only, with the recording's test account created.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureInstalled, ReferenceSetupError, referenceHome, REFERENCE_VERSIONS } from './install.ts'

/** What `start` prints and the differential run reads. */
export interface ReferenceState {
  pid: number
  startedAt: string
  issuer: string
  pds: string
  plc: string
  node: string
  account?: { handle: string; password: string; email: string; did: string }
  log: string
}

/** The account the recordings used (shared/spec/reference-wire.md). */
export const REFERENCE_ACCOUNT = { handle: 'alice.test', password: 'alice-pass', email: 'alice@example.com' } as const

const HERE = dirname(fileURLToPath(import.meta.url))

function runDir(home: string): string {
  return join(home, 'run')
}

function stateFile(home: string): string {
  return join(runDir(home), 'state.json')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function healthy(state: ReferenceState): Promise<boolean> {
  try {
    const res = await fetch(`${state.pds}/xrpc/_health`, { signal: AbortSignal.timeout(3_000) })
    return res.ok
  } catch {
    return false
  }
}

function readState(home: string): ReferenceState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(home), 'utf8')) as ReferenceState
  } catch {
    return undefined
  }
}

export type ReferenceStatus =
  | { running: true; state: ReferenceState }
  | { running: false; reason: string }

/** Whether the server of this cache folder runs and answers. */
export async function referenceStatus(home = referenceHome()): Promise<ReferenceStatus> {
  const state = readState(home)
  if (!state) return { running: false, reason: 'not started (npm run reference -- start)' }
  if (!alive(state.pid)) return { running: false, reason: `its process ${state.pid} has ended; see ${state.log}` }
  if (!(await healthy(state))) return { running: false, reason: `process ${state.pid} runs but ${state.pds}/xrpc/_health does not answer; see ${state.log}` }
  return { running: true, state }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function tail(file: string, n = 20): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n')
  } catch {
    return '(no log)'
  }
}

async function waitForState(home: string, child: { pid: number; exited: () => number | null }, log: string): Promise<ReferenceState> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    const code = child.exited()
    if (code !== null) throw new ReferenceSetupError(`the reference server exited (${code}) before it listened:\n${tail(log)}`, `see ${log}`)
    const state = readState(home)
    if (state && state.pid === child.pid) return state
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new ReferenceSetupError(`the reference server did not listen within 120 s:\n${tail(log)}`, `see ${log}; stop it with npm run reference -- stop`)
}

async function createAccount(state: ReferenceState): Promise<NonNullable<ReferenceState['account']>> {
  const res = await fetch(`${state.pds}/xrpc/com.atproto.server.createAccount`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(REFERENCE_ACCOUNT),
    signal: AbortSignal.timeout(30_000),
  })
  const body = (await res.json().catch(() => ({}))) as { did?: string; error?: string; message?: string }
  if (!res.ok || !body.did) {
    throw new ReferenceSetupError(`creating ${REFERENCE_ACCOUNT.handle} failed: ${res.status} ${body.error ?? ''} ${body.message ?? ''}`, `see ${state.log}`)
  }
  return { ...REFERENCE_ACCOUNT, did: body.did }
}

export interface StartOptions {
  /** The PDS port (0 or absent: a free one). */
  port?: number
  log?: (line: string) => void
  home?: string
}

/**
 * Starts the server, or returns the running one (idempotent). Each start begins with an empty data folder
 * and creates the test account.
 */
export async function startReference(options: StartOptions = {}): Promise<{ state: ReferenceState; already: boolean }> {
  const home = options.home ?? referenceHome()
  const log = options.log ?? (() => {})
  const current = await referenceStatus(home)
  if (current.running) return { state: current.state, already: true }
  const installation = ensureInstalled(log, home)
  const dir = runDir(home)
  const stale = readState(home)
  if (stale && alive(stale.pid)) await stopPid(stale.pid)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  // The process scripts run from inside the install folder, so `@atproto/pds` resolves from its node_modules.
  for (const file of ['server.mjs', 'plc.mjs']) copyFileSync(join(HERE, file), join(dir, file))
  const logFile = join(dir, 'server.log')
  const port = options.port || (await freePort())
  const out = openSync(logFile, 'a')
  const child = spawn(installation.node, [join(dir, 'server.mjs'), dir, String(port), '0'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, NODE_ENV: 'development' },
  })
  let exitCode: number | null = null
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? 128 : 1)
  })
  if (child.pid === undefined) throw new ReferenceSetupError(`could not start ${installation.node}`, `remove ${home} and run the command again`)
  log(`starting @atproto/pds ${REFERENCE_VERSIONS.pds} on 127.0.0.1:${port}`)
  const started = await waitForState(home, { pid: child.pid, exited: () => exitCode }, logFile)
  const state: ReferenceState = { ...started, log: logFile }
  try {
    state.account = await createAccount(state)
  } catch (error) {
    await stopPid(state.pid)
    throw error
  }
  writeFileSync(stateFile(home), JSON.stringify(state, null, 2))
  child.unref()
  return { state, already: false }
}

async function stopPid(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s)
    } catch {
      try {
        process.kill(pid, s)
      } catch {
        /* already gone */
      }
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + 10_000
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  if (alive(pid)) signal('SIGKILL')
}

/** Stops the server of this cache folder; false when none ran. */
export async function stopReference(home = referenceHome()): Promise<boolean> {
  const state = readState(home)
  if (!state) return false
  const wasAlive = alive(state.pid)
  if (wasAlive) await stopPid(state.pid)
  if (existsSync(stateFile(home))) rmSync(stateFile(home), { force: true })
  return wasAlive
}
