import type { Vitest } from 'vitest/node'

/**
 * The module requests vitest's own process has not answered yet. A test process imports every module through
 * vitest (`fetch`: resolve, transform, cache), with no deadline on the answer; when one never comes, the test
 * process waits idle forever. The watchdog prints what is still unanswered, so such a stall is told apart from a
 * test that hangs.
 *
 * vitest has no public hook for this: it wraps each project's internal `_fetcher`, and does nothing where that is
 * missing (another vitest version).
 */
export class PendingFetches {
  readonly #pending = new Map<number, { url: string; since: number }>()
  #next = 0

  watch(vitest: Vitest): void {
    for (const project of vitest.projects) {
      const holder = project as unknown as { _fetcher?: (url: string, ...rest: unknown[]) => Promise<unknown> }
      const fetcher = holder._fetcher
      if (typeof fetcher !== 'function') continue
      holder._fetcher = (url: string, ...rest: unknown[]) => {
        const id = this.#next++
        this.#pending.set(id, { url, since: Date.now() })
        return fetcher(url, ...rest).finally(() => this.#pending.delete(id))
      }
    }
  }

  /** The requests unanswered for longer than `olderThanMs`, oldest first. */
  older(olderThanMs: number, now = Date.now()): { url: string; ms: number }[] {
    return [...this.#pending.values()]
      .filter((p) => now - p.since > olderThanMs)
      .sort((a, b) => a.since - b.since)
      .map((p) => ({ url: p.url, ms: now - p.since }))
  }
}
