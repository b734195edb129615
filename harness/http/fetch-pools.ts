/**
 * Node's fetch (undici) keeps one connection pool per origin in its global dispatcher for the life of the
 * process, even after the server behind it is gone (Node 20 / undici 6: ~20 KB each). Every World listens on
 * fresh ports and the user agent, the AS's metadata fetcher, msw's forwarding and many clients fetch through
 * that dispatcher, so a long run would keep thousands of dead pools. A World drops its origins when it closes.
 *
 * The dispatcher is found under undici's global symbol (how Node's fetch and the undici package share it), its
 * pool table under undici's `clients` symbol. Should a later Node change either, nothing is dropped and
 * nothing breaks: the pools just stay, as they would without this.
 */
export function releaseFetchPools(origins: readonly string[]): void {
  const dispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')]
  if (typeof dispatcher !== 'object' || dispatcher === null) return
  const key = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'clients')
  const pools = key ? (dispatcher as Record<symbol, unknown>)[key] : undefined
  if (!(pools instanceof Map)) return
  for (const origin of origins) {
    // undici 6 keeps the pool itself, undici 7 `{ count, dispatcher }` (and drops idle ones on its own).
    const entry = pools.get(origin) as { destroy?: () => Promise<void>; dispatcher?: { destroy?: () => Promise<void> } } | undefined
    const pool = entry?.dispatcher ?? entry
    if (!pool) continue
    pools.delete(origin)
    void pool.destroy?.().catch(() => undefined)
  }
}
