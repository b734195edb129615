/**
 * The process driver (`run --client-command "<cmd>"`): one client program per scenario, in any language, spoken to
 * in JSON lines over its stdin/stdout (docs/driver-protocol.md). The command is split like a shell would, but run
 * without one. The program gets the context in `ATPROTO_CONFORMANCE_*` variables and in the `init` request; its
 * stderr goes into the report (the last 64 KiB). It runs in its own process group, so a client that hangs, or
 * that started helpers of its own, is killed whole and reaped before the next scenario.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createFakeClock, findLibfaketime, type FakeClock } from './faketime.ts'
import { parse } from 'shell-quote'
import { HarnessError } from '../../protocol/errors.ts'
import { BoundedLog } from './bounded-log.ts'
import { JsonLinesChannel } from './json-lines.ts'
import { contextEnv, wireDriver, type WireDriver, type WireTransport } from './wire.ts'

export interface ProcessDriverOptions {
  /** The command line (`node client.js --flag "a b"`), split without a shell; or the argv itself. */
  command: string | readonly string[]
  cwd?: string
  /** Extra environment variables (the harness's own environment and the context are passed too). */
  env?: Record<string, string>
  /**
   * Run the client under libfaketime so steps can move its clock (default: when libfaketime is installed). Off,
   * or without the library, the client has the `clientClock` capability only if it announces a clock hook itself.
   */
  fakeClock?: boolean
  /** How many bytes of the client's stderr the report keeps (the last ones). */
  logLimit?: number
}

/**
 * Splits a command line into an argv the way a POSIX shell would (quotes, escapes, `$VAR` from `env`), for a
 * spawn without a shell. Pipes, redirections and `&&` would need a shell: they are refused with the way out.
 */
export function parseCommand(command: string, env: Record<string, string | undefined> = process.env): string[] {
  const argv: string[] = []
  for (const entry of parse(command, env)) {
    if (typeof entry === 'string') argv.push(entry)
    else if ('comment' in entry) break
    else if (entry.op === 'glob') argv.push(entry.pattern)
    else {
      throw new HarnessError(
        'ERR_CONFIG',
        `the client command contains the shell operator "${entry.op}", but it runs without a shell; put the pipeline in a script, or run sh -c '…'`,
      )
    }
  }
  if (argv.length === 0 || argv[0] === '') throw new HarnessError('ERR_CONFIG', 'the client command is empty')
  return argv
}

/** Kills a process group (the client and whatever it started); a group that is gone already is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    if (process.platform === 'win32') process.kill(pid, 'SIGKILL')
    else process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

// Process groups still alive. If the harness itself exits (an uncaught error, process.exit), it takes them along:
// they run detached (their own group, to be killed whole), so nothing else would.
const liveGroups = new Set<number>()
/** Faked-clock folders of running clients, removed even when a second signal ends the process at once. */
const liveClocks = new Set<FakeClock>()
process.on('exit', () => {
  for (const group of liveGroups) killGroup(group)
  for (const clock of liveClocks) clock.dispose()
})

/** A JSON-lines transport over a child process: spawn on `open`, kill the whole process group on `close`. */
export function processTransport(options: ProcessDriverOptions): WireTransport & { readonly pid: number | undefined } {
  const argv = typeof options.command === 'string' ? parseCommand(options.command, { ...process.env, ...options.env }) : [...options.command]
  if (argv.length === 0) throw new HarnessError('ERR_CONFIG', 'the client command is empty')
  const stderr = new BoundedLog(options.logLimit)
  let child: ChildProcessWithoutNullStreams | undefined
  let channel: JsonLinesChannel | undefined
  let closing = false
  let exited: Promise<void> = Promise.resolve()
  let closed: Promise<void> = Promise.resolve()
  const shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
  const library = options.fakeClock === false ? undefined : findLibfaketime()
  let fake: FakeClock | undefined
  const disposeClock = () => {
    if (fake) liveClocks.delete(fake)
    fake?.dispose()
    fake = undefined
  }

  return {
    get pid() {
      return child?.pid
    },
    ...(library ? { setClockOffset: (offsetMs: number) => fake?.setOffset(offsetMs) } : {}),
    async open(ctx) {
      // A scenario's client (not a probe) runs under its own faked clock, at real time until a step moves it.
      disposeClock()
      fake = library && ctx ? createFakeClock(library) : undefined
      if (fake) liveClocks.add(fake)
      const proc = spawn(argv[0]!, argv.slice(1), {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, ...contextEnv(ctx), ...fake?.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        // Its own process group: `npx tsx …` and friends start grandchildren, which must die with it.
        detached: process.platform !== 'win32',
        windowsHide: true,
      })
      child = proc
      if (proc.pid !== undefined) liveGroups.add(proc.pid)
      const ch = new JsonLinesChannel(proc.stdin, proc.stdout, () => killGroup(proc.pid))
      channel = ch
      proc.stderr.on('data', (chunk: Buffer) => stderr.write(chunk))
      let spawnError: Error | undefined
      exited = new Promise((resolve) => proc.once('exit', () => resolve()))
      closed = new Promise((resolve) => {
        proc.once('close', () => resolve())
        proc.once('error', (err) => {
          spawnError = err
          if (proc.pid === undefined) resolve()
        })
      })
      proc.once('error', (err) => ch.ended(() => `could not start the client (${shown}): ${err.message}`))
      proc.once('exit', () => {
        // Whatever the program left running in its group goes with it.
        killGroup(proc.pid)
      })
      proc.once('close', (code, signal) => {
        if (proc.pid !== undefined) liveGroups.delete(proc.pid)
        if (closing || spawnError) return
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
        ch.ended((op) => `the client ${how} ${op ? `before answering "${op}"` : 'while no request was waiting'}${stderr.tail()}`)
      })
    },
    send(request) {
      if (!channel) return Promise.reject(new HarnessError('ERR_DRIVER_CRASH', 'the client was not started'))
      return channel.send(request)
    },
    async close(graceful, ms) {
      const proc = child
      if (!proc) return disposeClock()
      closing = true
      if (graceful && proc.exitCode === null && proc.signalCode === null) {
        // Polite: end of input, then a bounded wait for the exit.
        proc.stdin.end()
        let timer: NodeJS.Timeout | undefined
        await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
        clearTimeout(timer)
      }
      killGroup(proc.pid)
      let timer: NodeJS.Timeout | undefined
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
      clearTimeout(timer)
      // A helper outside the group (it called setsid) may hold the pipes open: let go of them.
      proc.stdout.destroy()
      proc.stderr.destroy()
      if (proc.pid !== undefined) liveGroups.delete(proc.pid)
      channel?.ended((op) => (op ? `the client was stopped before it answered "${op}"` : 'the client was stopped'))
      disposeClock()
    },
    log: () => stderr.text(),
  }
}

/** A driver that runs `command` once per scenario and speaks the JSON-lines driver protocol with it. */
export function processDriver(options: ProcessDriverOptions): WireDriver {
  return wireDriver(processTransport(options))
}
