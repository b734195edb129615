import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** `node --import tsx <script>` arguments: how every TypeScript entry point of this repo runs. */
export function tsxArgs(script: string, args: string[] = [], nodeFlags: string[] = []): string[] {
  return [...nodeFlags, '--import', 'tsx', script, ...args]
}

/** A child process and the lines it has printed so far. */
export interface Child {
  proc: ChildProcess
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>
  stop(): Promise<void>
}

/** Whether `taskset` (util-linux) can pin processes to CPUs here. */
export const CAN_PIN = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Pins every thread of this process to one CPU (when taskset is there). */
export function pinSelf(cpu: number): boolean {
  if (!CAN_PIN) return false
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' })
  return true
}

export function startChild(args: string[], options: { echo?: (line: string) => void; pinToCpu?: number } = {}): Child {
  // taskset execs node in place: the child's pid (and its signals) stay node's.
  const [command, argv] = options.pinToCpu !== undefined && CAN_PIN ? ['taskset', ['-c', String(options.pinToCpu), process.execPath, ...args]] : [process.execPath, args]
  const proc = spawn(command, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  let err = ''
  const waiters = new Set<() => void>()
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n')
    partial = parts.pop()!
    for (const l of parts) {
      lines.push(l)
      if (options.echo && !l.startsWith('BENCH-RESULT ')) options.echo(l)
    }
    for (const w of [...waiters]) w()
  })
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000)
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  return {
    proc,
    line(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        let seen = 0
        const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`)), timeoutMs)
        const finish = (outcome: Error | string) => {
          clearTimeout(timer)
          waiters.delete(check)
          if (typeof outcome === 'string') resolve(outcome)
          else reject(outcome)
        }
        const check = () => {
          for (; seen < lines.length; seen++) if (pattern.test(lines[seen]!)) return finish(lines[seen]!)
        }
        waiters.add(check)
        proc.once('close', () => {
          check()
          if (waiters.has(check)) finish(new Error(`the child exited before printing ${pattern}; stderr: ${err.slice(-2000)}`))
        })
        check()
      })
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(kill)
      }
    },
  }
}

/**
 * In a bench child: exits when the parent goes away (its end of stdin closes), so an interrupted bench never
 * leaves servers behind.
 */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.on('error', () => process.exit(0))
  process.stdin.resume()
}

/** Runs a bench section script to completion and returns the JSON it emitted. */
export async function runSection<T>(script: string, args: string[] = [], nodeFlags: string[] = [], echo?: (line: string) => void): Promise<T> {
  const child = startChild(tsxArgs(script, args, nodeFlags), { echo })
  const line = await child.line(/^BENCH-RESULT /, 30 * 60_000)
  await child.stop()
  return JSON.parse(line.slice('BENCH-RESULT '.length)) as T
}
