/**
 * Turns any in-process `Driver` into a stand-alone program that speaks the JSON-lines driver protocol on
 * stdin/stdout (docs/driver-protocol.md), e.g. for `run --client-command` or a client container image:
 *
 * ```ts
 * import { serveStdio } from 'atproto-oauth-conformance/harness/drivers/stdio-server.ts'
 * await serveStdio(() => myDriver(), { name: 'my-client', capabilities: { confidential: false, refresh: true, restore: true, signOut: true } })
 * ```
 *
 * One program serves one scenario (the harness starts it again for the next). stdout carries the protocol
 * only: `console.log`, `console.info` and `console.debug` are sent to stderr, which the harness keeps for the report.
 */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { DriverEndpoint, type EndpointDriverFactory, type EndpointOptions } from './endpoint.ts'

export interface StdioServerOptions extends EndpointOptions {
  /** Defaults to process.stdin / process.stdout. */
  input?: Readable
  output?: Writable
  /** Exit the process when the input ends and every answer is written (default: when serving process.stdin). */
  exitOnEnd?: boolean
}

/** Answers requests from `input` until it ends (the harness closes it after `dispose`). */
export async function serveStdio(factory: EndpointDriverFactory, options: StdioServerOptions): Promise<void> {
  const input = options.input ?? process.stdin
  const output = options.output ?? process.stdout
  if (output === process.stdout) {
    // Anything else on stdout would break the framing.
    console.log = console.error
    console.info = console.error
    console.debug = console.error
  }
  const endpoint = new DriverEndpoint(factory, options)
  const inFlight = new Set<Promise<void>>()
  const write = (line: string) => new Promise<void>((resolve) => output.write(`${line}\n`, () => resolve()))

  const lines = createInterface({ input, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    let request: unknown
    try {
      request = JSON.parse(line)
    } catch {
      console.error(`ignoring a request line that is not JSON: ${line.slice(0, 200)}`)
      continue
    }
    // Requests are answered concurrently (the harness may send parallel `call`s); each answer carries its id.
    const answer = endpoint.handle(request).then((response) => write(JSON.stringify(response)))
    inFlight.add(answer)
    void answer.finally(() => inFlight.delete(answer))
  }
  await Promise.all(inFlight)
  if (!endpoint.disposed) await endpoint.handle({ id: -1, op: 'dispose' })
  if (options.exitOnEnd ?? input === process.stdin) {
    // Keep-alive sockets of the client's fetch would otherwise hold the process open.
    process.exit(0)
  }
}
