/**
 * JSON lines over a pair of streams (a child's stdin/stdout, or a container's attached stdio): one request per
 * line out, one response per line in, matched by `id` (answers may come in any order). Any line that breaks the
 * framing (not JSON, not an object, no id, an id never sent or answered twice) is fatal: every waiting request
 * and every later one fails with a HarnessError that quotes the line.
 */
import { StringDecoder } from 'node:string_decoder'
import type { Readable, Writable } from 'node:stream'
import { HarnessError } from '../../protocol/errors.ts'
import { isObject, jsonKind, preview, type WireRequest } from './wire.ts'

/** A line longer than this is refused (a client that prints without newlines must not eat the harness's memory). */
export const MAX_LINE_BYTES = 4 * 1024 * 1024

interface Waiting {
  op: string
  resolve(response: Record<string, unknown>): void
  reject(err: HarnessError): void
}

export class JsonLinesChannel {
  readonly #waiting = new Map<number, Waiting>()
  readonly #sent = new Map<number, string>()
  #failure: HarnessError | undefined
  #buffer = ''
  #bufferBytes = 0
  readonly #decoder = new StringDecoder('utf8')

  /**
   * @param input where requests are written (the client's stdin)
   * @param output where responses are read (the client's stdout)
   * @param onFailure called once, on the first fatal error (to kill the client)
   */
  constructor(
    private readonly input: Writable,
    output: Readable,
    private readonly onFailure: (err: HarnessError) => void = () => undefined,
  ) {
    output.on('data', (chunk: Buffer | string) => this.#receive(typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)))
    // A write after the client died fails with EPIPE; the exit is reported through `ended`, with the exit code.
    input.on('error', () => undefined)
  }

  /** The first fatal error, if any. */
  get failure(): HarnessError | undefined {
    return this.#failure
  }

  /** Requests sent and not answered yet. */
  get waiting(): number {
    return this.#waiting.size
  }

  send(request: WireRequest): Promise<Record<string, unknown>> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#waiting.set(request.id, { op: request.op, resolve, reject })
      this.#sent.set(request.id, request.op)
      this.input.write(`${JSON.stringify(request)}\n`)
    })
  }

  /**
   * The client is gone (exited, or could not start). `describe(op)` says how, for each request that was waiting
   * (`the client exited with code 3 before answering "callback"`), or with no op when none was; later requests
   * fail with the first message.
   */
  ended(describe: (op: string | undefined) => string): void {
    if (this.#failure) return
    const first = [...this.#waiting.values()][0]
    this.#fail(new HarnessError('ERR_DRIVER_CRASH', describe(first?.op)), (w) => new HarnessError('ERR_DRIVER_CRASH', describe(w.op)))
  }

  /** Fails everything with `err` (the first failure wins). */
  fail(err: HarnessError): void {
    this.#fail(err)
  }

  #fail(err: HarnessError, forWaiting: (w: Waiting) => HarnessError = () => err): void {
    if (this.#failure) return
    this.#failure = err
    for (const w of this.#waiting.values()) w.reject(forWaiting(w))
    this.#waiting.clear()
    this.onFailure(err)
  }

  #receive(text: string): void {
    if (this.#failure) return
    this.#buffer += text
    // Counted per chunk, not over the whole buffer each time: a line near the limit costs linear time.
    this.#bufferBytes += Buffer.byteLength(text)
    let newline: number
    let split = false
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline).replace(/\r$/, '')
      this.#buffer = this.#buffer.slice(newline + 1)
      split = true
      this.#line(line)
      if (this.#failure) return
    }
    if (split) this.#bufferBytes = Buffer.byteLength(this.#buffer)
    if (this.#bufferBytes > MAX_LINE_BYTES) {
      this.#fail(new HarnessError('ERR_DRIVER_PROTOCOL', `the client printed a line longer than ${MAX_LINE_BYTES} bytes: ${preview(this.#buffer, 80)}`))
    }
  }

  #waitingFor(): string {
    const ops = [...this.#waiting.entries()].map(([id, w]) => `${id} "${w.op}"`)
    return ops.length ? `waiting for ${ops.join(', ')}` : 'no request was waiting'
  }

  #line(line: string): void {
    // Blank lines carry nothing; they are not an error.
    if (line.trim() === '') return
    const protocol = (message: string) => this.#fail(new HarnessError('ERR_DRIVER_PROTOCOL', message))
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return protocol(`the client printed a line that is not JSON: ${preview(line)} (${this.#waitingFor()}; log to stderr, not stdout)`)
    }
    if (!isObject(value)) return protocol(`the client printed ${jsonKind(value)} instead of a response object: ${preview(line)}`)
    const id = value.id
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      return protocol(`the client printed a response without an integer "id": ${preview(line)} (${this.#waitingFor()})`)
    }
    const waiting = this.#waiting.get(id)
    if (!waiting) {
      const op = this.#sent.get(id)
      return protocol(
        op === undefined
          ? `the client answered id ${id}, which the harness never sent (${this.#waitingFor()}): ${preview(line)}`
          : `the client answered id ${id} ("${op}") a second time: ${preview(line)}`,
      )
    }
    this.#waiting.delete(id)
    waiting.resolve(value)
  }
}
