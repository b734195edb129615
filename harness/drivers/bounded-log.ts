/** The last `limit` bytes of what a client wrote to its log (stderr), for the report. */
export class BoundedLog {
  readonly #chunks: Buffer[] = []
  #bytes = 0
  #dropped = 0

  constructor(readonly limit = 64 * 1024) {}

  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    this.#chunks.push(buf)
    this.#bytes += buf.length
    while (this.#bytes > this.limit && this.#chunks.length > 0) {
      const first = this.#chunks[0]!
      const excess = this.#bytes - this.limit
      if (first.length <= excess) {
        this.#chunks.shift()
        this.#bytes -= first.length
        this.#dropped += first.length
      } else {
        this.#chunks[0] = first.subarray(excess)
        this.#bytes -= excess
        this.#dropped += excess
      }
    }
  }

  /** The log, with a first line saying how much was dropped; `undefined` when the client wrote nothing. */
  text(): string | undefined {
    if (this.#bytes === 0 && this.#dropped === 0) return undefined
    const body = Buffer.concat(this.#chunks).toString('utf8')
    return this.#dropped > 0 ? `[${this.#dropped} earlier bytes dropped]\n${body}` : body
  }

  /** The last `chars` characters on one line, for an error message: ` (stderr: "…")`, or `(no stderr)`. */
  tail(chars = 600): string {
    const text = this.text()?.trim()
    if (!text) return ' (no stderr)'
    const end = text.length > chars ? `…${text.slice(-chars)}` : text
    return ` (stderr: ${JSON.stringify(end)})`
  }
}
