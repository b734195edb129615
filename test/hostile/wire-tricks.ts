import { DriverEndpoint } from '../../harness/drivers/endpoint.ts'
import { MAX_LINE_BYTES } from '../../harness/drivers/json-lines.ts'
import type { WireResponse } from '../../harness/drivers/wire.ts'
import { leakingClient, payload, type Leaked } from './leaking-client.ts'

/**
 * How a hostile client that speaks the driver protocol (over stdio or HTTP) frames its answers. Every mode leaks
 * its secrets and writes hostile text; the others also attack the framing:
 * - `leak`: well-framed answers; the `call` refusal carries tokens, keys and workflow commands;
 * - `near-limit`: that refusal is one line just under the protocol's line limit (4 MiB);
 * - `over-limit`: the `call` answer is longer than the limit (stdio: no newline; HTTP: a 6 MiB body);
 * - `deep`: the `call` answer's body is nested 100 000 levels deep;
 * - `wide`: the `call` answer's body is an array of 150 000 strings (3.5 MB).
 */
export const WIRE_MODES = ['leak', 'near-limit', 'over-limit', 'deep', 'wide'] as const
export type WireMode = (typeof WIRE_MODES)[number]

/** The client name a hostile client announces in `hello`: a workflow command after a newline. */
export const HOSTILE_NAME = 'hostile\n::add-mask::name\u001b[31m'

/** One session of a hostile wire client: answers a parsed request with the text to send (without the newline). */
export function hostileSession(mode: WireMode, leaked: Leaked, log: (text: string) => void): (request: unknown) => Promise<string> {
  const endpoint = new DriverEndpoint(() => leakingClient({ leaked, log, padTo: mode === 'near-limit' ? MAX_LINE_BYTES - 64 * 1024 : undefined }), {
    name: HOSTILE_NAME,
    capabilities: { confidential: true, refresh: false, restore: false, signOut: false },
  })
  return async (request) => {
    const op = (request as { op?: string }).op
    const id = (request as { id?: number }).id ?? -1
    if (op === 'call' && mode === 'over-limit') return `{"id":${id},"ok":false,"error":{"code":"Big","message":"${'y'.repeat(MAX_LINE_BYTES + 1024 * 1024)}"}}`
    if (op === 'call' && mode === 'deep') {
      const depth = 100_000
      return `{"id":${id},"ok":true,"result":{"status":200,"body":${'['.repeat(depth)}${JSON.stringify(payload('deep'))}${']'.repeat(depth)}}}`
    }
    if (op === 'call' && mode === 'wide') {
      return `{"id":${id},"ok":true,"result":{"status":200,"body":[${Array.from({ length: 150_000 }, (_, i) => `"item ${i}\\u001b[31m"`).join(',')}]}}`
    }
    const response: WireResponse = await endpoint.handle(request)
    return JSON.stringify(response)
  }
}
