/** Kinds of resources that would outlive a run if the harness leaked them. */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'TCPWrap', 'Timeout', 'Immediate', 'TTYWrap', 'ProcessWrap', 'PipeServerWrap']

/** Counts of this process's active resources (`process.getActiveResourcesInfo()`) by kind. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

/**
 * Lets the event loop run close callbacks: a server or socket closed a moment ago is listed until its handle's
 * close callback has run in a later loop iteration. Bounded: a few turns of the loop, no waiting on the clock.
 */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Resources (by kind) that are open now and were not in `before`. */
export async function leakedSince(before: Record<string, number>): Promise<Record<string, number>> {
  let leaked: Record<string, number> = {}
  // Socket closes travel through the kernel; give them a few loop turns, not a clock wait.
  for (let attempt = 0; attempt < 20; attempt++) {
    await settle()
    const now = activeResources()
    leaked = Object.fromEntries(Object.entries(now).filter(([k, n]) => n > (before[k] ?? 0)).map(([k, n]) => [k, n - (before[k] ?? 0)]))
    if (Object.keys(leaked).length === 0) break
  }
  return leaked
}
