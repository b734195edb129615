/**
 * Responses a mock holds back until the scenario lets them go (fault `holdResponse`). A held request waits on
 * a promise, never on a timer, so a scenario can put another operation (a sign-out) in the middle of it.
 */
export class ResponseHolds {
  readonly #waiting = new Map<string, (() => void)[]>()
  readonly #heldListeners = new Map<string, (() => void)[]>()
  readonly #used = new Set<string>()
  #closed = false

  /** Waits until `release(name)`; only the first request at a seam is held, later ones pass. */
  hold(name: string): Promise<void> {
    if (this.#closed || this.#used.has(name)) return Promise.resolve()
    this.#used.add(name)
    const held = new Promise<void>((resolve) => this.#waiting.set(name, [...(this.#waiting.get(name) ?? []), resolve]))
    for (const notify of this.#heldListeners.get(name) ?? []) notify()
    this.#heldListeners.delete(name)
    return held
  }

  /** Resolves once a request is held at `name` (at once if one already is). */
  whenHeld(name: string): Promise<void> {
    if (this.#waiting.has(name)) return Promise.resolve()
    return new Promise((resolve) => this.#heldListeners.set(name, [...(this.#heldListeners.get(name) ?? []), resolve]))
  }

  /** Lets the held responses at `name` go. */
  release(name: string): void {
    for (const go of this.#waiting.get(name) ?? []) go()
    this.#waiting.delete(name)
  }

  /** Releases everything and holds nothing more (the World is closing). */
  close(): void {
    this.#closed = true
    for (const name of [...this.#waiting.keys()]) this.release(name)
  }
}
