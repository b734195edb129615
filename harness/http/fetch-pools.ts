/**
 * Node's fetch (undici) keeps one connection pool per origin in its global dispatcher for the life of the
 * process, even after the server behind it is gone (Node 20 / undici 6: ~20 KB each). Every World listens on
 * fresh ports and the user agent, the AS's metadata fetcher and many clients fetch through
 * that dispatcher, so a long run would keep thousands of dead pools. A World drops its origins when it closes.
 *
 * The dispatcher is found under undici's global symbol (how Node's fetch and the undici package share it), its
 * pool table under undici's `clients` symbol. Should a later Node change either, nothing is dropped and
 * nothing breaks: the pools just stay, as they would without this.
 */
export function releaseFetchPools(origins: readonly string[]): void {
  for (const pools of fetchPoolTables()) {
    for (const origin of origins) {
      // undici 6 keeps the pool itself, undici 7 and 8 `{ count, dispatcher }` (and drop idle ones on their own).
      const entry = pools.get(origin) as { destroy?: () => Promise<void>; dispatcher?: { destroy?: () => Promise<void> } } | undefined
      const pool = entry?.dispatcher ?? entry
      if (!pool) continue
      pools.delete(origin)
      void pool.destroy?.().catch(() => undefined)
    }
  }
}

/**
 * The pool tables of the global dispatchers: undici 8 (which a client may load) keeps its agent under
 * `undici.globalDispatcher.2` and leaves a forwarding wrapper under the `.1` that Node's own fetch reads.
 */
export function fetchPoolTables(): Map<string, unknown>[] {
  const out: Map<string, unknown>[] = []
  for (const slot of ['undici.globalDispatcher.2', 'undici.globalDispatcher.1']) {
    const dispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for(slot)]
    if (typeof dispatcher !== 'object' || dispatcher === null) continue
    const key = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'clients')
    const pools = key ? (dispatcher as Record<symbol, unknown>)[key] : undefined
    if (pools instanceof Map) out.push(pools)
  }
  return out
}
