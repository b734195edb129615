import { execFileSync } from 'node:child_process'

/** One line of `ps`. */
export interface ProcessRow {
  pid: number
  ppid: number
  pgid: number
  /** `ps` state letters; `Z` is a zombie: dead, waiting for its parent (or init) to reap it. */
  state: string
  /** `[[dd-]hh:]mm:ss` */
  elapsed: string
  /** CPU time used, `[dd-]hh:mm:ss`: near `elapsed` for a process stuck busy, near 0 for one stuck waiting. */
  cpu: string
  command: string
}

/** Every process on the machine (procps `ps`), read with a deadline. */
export function processTable(): ProcessRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,etime=,time=,args='], { encoding: 'utf8', timeout: 5000, maxBuffer: 16 * 1024 * 1024 })
  const rows: ProcessRow[] = []
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line)
    if (m) rows.push({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), state: m[4]!, elapsed: m[5]!, cpu: m[6]!, command: m[7]! })
  }
  return rows
}

/** The processes below `root` (children, their children…), parents first; `root` itself is not included. */
export function descendants(table: readonly ProcessRow[], root: number): ProcessRow[] {
  const out: ProcessRow[] = []
  const queue = [root]
  while (queue.length > 0) {
    const parent = queue.shift()!
    for (const p of table) {
      if (p.ppid === parent && p.pid !== root) {
        out.push(p)
        queue.push(p.pid)
      }
    }
  }
  return out
}

/** Sends `signal` to a pid (or, negative, a process group) that may be gone already. */
export function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // gone already
  }
}

/** Whether the process still runs (a zombie has ended; only its exit status is left). */
export const alive = (p: ProcessRow): boolean => !p.state.startsWith('Z')

/**
 * The live processes that `match` once they have had `withinMs` to die: a process sent SIGKILL still shows in
 * `ps` while the kernel tears down its memory, which on a loaded machine can outlast the parent that killed it.
 * Empty as soon as all are gone.
 */
export async function stillAlive(match: (p: ProcessRow) => boolean, withinMs = 5000): Promise<ProcessRow[]> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const left = processTable().filter((p) => alive(p) && match(p))
    if (left.length === 0 || Date.now() >= deadline) return left
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
