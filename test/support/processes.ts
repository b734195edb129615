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
  command: string
}

/** Every process on the machine (procps `ps`), read with a deadline. */
export function processTable(): ProcessRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,etime=,args='], { encoding: 'utf8', timeout: 5000, maxBuffer: 16 * 1024 * 1024 })
  const rows: ProcessRow[] = []
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line)
    if (m) rows.push({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), state: m[4]!, elapsed: m[5]!, command: m[6]! })
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

/** Whether the process still runs (a zombie has ended; only its exit status is left). */
export const alive = (p: ProcessRow): boolean => !p.state.startsWith('Z')

/** The live processes of process group `pgid` (empty once the whole group is gone). */
export function groupMembers(pgid: number): ProcessRow[] {
  return processTable().filter((p) => p.pgid === pgid && alive(p))
}
