import { spawn, type ChildProcess } from 'node:child_process'
import { signalIfAlive } from './processes.ts'

/**
 * A child process for a test, always with a deadline. It runs in a process group of its own, so that on the
 * deadline (or when the test worker exits) the whole group goes, with whatever the child started itself (tsx,
 * npm, a client program): vitest's test timeout fails the test but kills nothing.
 */
export interface ChildRun {
  /** The exit code; 1 when the child was killed by a signal (as execFile reports it). */
  code: number
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Killed at the deadline. */
  timedOut: boolean
}

export interface ChildOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Below the test's own timeout, so the child is gone before vitest moves on. */
  timeoutMs?: number
  /** Bytes of stdout and of stderr kept (the first ones). */
  maxBuffer?: number
  /** Called with the child once it is spawned (to signal it, or read its output as it comes). */
  onSpawn?(child: ChildProcess): void
}

/** The deadline when a test gives none: below the suite's 30 s test timeout. */
export const DEFAULT_CHILD_TIMEOUT_MS = 25_000

const liveGroups = new Set<number>()
process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid)
})

/** SIGKILLs a process group; one that is gone already is fine. */
export function killGroup(pgid: number | undefined): void {
  if (pgid !== undefined) signalIfAlive(-pgid, 'SIGKILL')
}

/** Runs `cmd args` without a shell and resolves once it has exited and its output is read. Never rejects. */
export function runChild(cmd: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHILD_TIMEOUT_MS
  const maxBuffer = options.maxBuffer ?? 64 * 1024 * 1024
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const pgid = child.pid
    if (pgid !== undefined) liveGroups.add(pgid)
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < maxBuffer) stdout += d.toString()
    })
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < maxBuffer) stderr += d.toString()
    })
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(pgid)
    }, timeoutMs)
    let spawnError: Error | undefined
    child.once('error', (err) => {
      spawnError = err
      // No process: 'close' may never come.
      if (child.pid === undefined) finish(null, null)
    })
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer)
      // Whatever the child left running in its group goes with it.
      killGroup(pgid)
      if (pgid !== undefined) liveGroups.delete(pgid)
      if (spawnError) stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}could not run ${cmd}: ${spawnError.message}\n`
      if (timedOut) stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}[test] ${cmd} ${args.join(' ')} killed after ${timeoutMs} ms\n`
      resolve({ code: code ?? 1, signal, stdout, stderr, timedOut })
    }
    child.once('close', finish)
    options.onSpawn?.(child)
  })
}
