import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/**
 * What a process blocked outside its event loop is blocked in, for the watchdog: a process that cannot run
 * JavaScript writes no diagnostic report, but the kernel still says where each of its threads waits (the system
 * call and, for a read or write, what the file descriptor is), and gdb, when the machine has it, gives the native
 * stacks. Linux only; elsewhere, or for a process that is gone, it says so in one line.
 */

/** x86-64 Linux numbers of the system calls a waiting thread is usually in. */
const SYSCALLS: Record<number, string> = {
  0: 'read',
  1: 'write',
  7: 'poll',
  19: 'readv',
  20: 'writev',
  23: 'select',
  35: 'nanosleep',
  43: 'accept',
  45: 'recvfrom',
  47: 'recvmsg',
  61: 'wait4',
  202: 'futex (a lock or a synchronous wait)',
  230: 'clock_nanosleep',
  232: 'epoll_wait (its event loop)',
  270: 'pselect6',
  271: 'ppoll',
  281: 'epoll_pwait (its event loop)',
  441: 'epoll_pwait2 (its event loop)',
}

const FD_CALLS = new Set([0, 1, 19, 20, 45, 47])

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** A thread's kernel state letter, CPU ticks so far and `/proc/…/syscall` line, or undefined once it is gone. */
export function threadSample(pid: number, tid: number | string = pid): { state: string; ticks: number; syscall: string | undefined } | undefined {
  const base = `/proc/${pid}/task/${tid}`
  const stat = read(`${base}/stat`)
  if (!stat) return undefined
  // The fields follow the parenthesised name, which may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0]!, ticks: Number(fields[11]) + Number(fields[12]), syscall: read(`${base}/syscall`) }
}

/** One line per thread: its name, kernel state and the system call it is in. */
export function threadStates(pid: number): string[] {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return [`    (no thread list for pid ${pid}: /proc/${pid}/task cannot be read)`]
  }
  return tids.map((tid) => {
    const name = read(`/proc/${pid}/task/${tid}/comm`) ?? '?'
    const sample = threadSample(pid, tid)
    return `    thread ${tid} ${name}${tid === String(pid) ? ' (main)' : ''}: state ${sample?.state ?? '?'}, ${syscallOf(pid, sample?.syscall)}`
  })
}

function syscallOf(pid: number, line: string | undefined): string {
  if (line === undefined) return 'system call unknown'
  if (line === 'running') return 'running'
  const [nr, arg0] = line.split(' ')
  const n = Number(nr)
  if (n < 0) return 'not in a system call'
  let what = SYSCALLS[n] ?? `system call ${n}`
  if (FD_CALLS.has(n) && arg0) {
    const fd = Number(arg0)
    try {
      what += ` on fd ${fd} (${readlinkSync(`/proc/${pid}/fd/${fd}`)})`
    } catch {
      what += ` on fd ${fd}`
    }
  }
  return `in ${what}`
}

/** Native stacks of every thread from gdb (attached for a moment, with a deadline), or nothing without gdb. */
export function nativeStacks(pid: number, frames = 12): string[] {
  let out: string
  try {
    const settings = ['thread-events off', 'frame-arguments none', 'address off'].flatMap((s) => ['-ex', `set print ${s}`])
    out = execFileSync('gdb', ['-p', String(pid), '-batch', '-nx', ...settings, '-ex', `thread apply all bt ${frames}`], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 4 * 1024 * 1024,
    })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string }
    if (e.code === 'ENOENT') return []
    out = e.stdout ?? ''
  }
  // Threads with the same stack (a pool of idle workers) are printed once.
  const stacks = new Map<string, string[]>()
  let thread: string | undefined
  let current: string[] = []
  const flush = () => {
    if (thread === undefined) return
    const key = current.join('\n')
    stacks.set(key, [...(stacks.get(key) ?? []), thread])
  }
  for (const line of out.split('\n')) {
    const head = /^Thread \d+ \(Thread \S+ \(LWP (\d+)\)/.exec(line)
    if (head) {
      flush()
      thread = head[1]
      current = []
    } else if (/^#\d+ /.test(line)) current.push(line.length > 160 ? `${line.slice(0, 159)}…` : line)
  }
  flush()
  if (stacks.size === 0) return []
  return ['    native stacks (gdb):', ...[...stacks].flatMap(([key, tids]) => [`      thread${tids.length > 1 ? 's' : ''} ${tids.join(', ')}:`, ...key.split('\n').map((f) => `        ${f}`)])]
}
