import { InvalidClientMetadataError } from '../protocol/errors.ts'

/**
 * Drops a response body we will not read. Not awaited: while msw's interceptor is active, a cancelled
 * pass-through body never settles its cancel() promise.
 */
function discard(res: Response): void {
  void res.body?.cancel().catch(() => undefined)
}

/** Maps public host names (e.g. `client.world.internal`) to the loopback origin that serves them. */
export type HostMap = ReadonlyMap<string, string>

export interface FetchLimits {
  timeoutMs: number
  maxBytes: number
}

/** Reference defaults: 10 s timeout and a size cap (REF-AS safeFetchWrap); no redirects. */
export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 512 * 1024 }

/**
 * Fetches a JSON document (client metadata or JWKS) for the mock AS: only hosts of the World's host map
 * (never the network), redirects refused, a timeout and a size limit. Every failure is an
 * `invalid_client_metadata` error that says which rule failed.
 */
export async function fetchClientDocument(
  url: string,
  hosts: HostMap,
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
): Promise<unknown> {
  const fail = (why: string): never => {
    throw new InvalidClientMetadataError(`Unable to obtain client metadata for "${url}": ${why}`)
  }
  const target = new URL(url)
  const origin = hosts.get(target.host)
  if (!origin) fail(`host "${target.host}" is not served by this harness (only loopback mocks are reachable)`)
  const local = new URL(target.pathname + target.search, origin)
  let res: Response
  try {
    res = await fetch(local, {
      redirect: 'manual',
      signal: AbortSignal.timeout(limits.timeoutMs),
      headers: { accept: 'application/json', host: target.host, 'x-conformance-actor': 'authorization-server' },
    })
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError'
    return fail(timedOut ? `no answer within ${limits.timeoutMs} ms` : `request failed (${(err as Error).message})`)
  }
  if (res.status >= 300 && res.status < 400) {
    discard(res)
    fail(`redirects are not followed (HTTP ${res.status})`)
  }
  if (res.status < 200 || res.status >= 300) {
    discard(res)
    fail(`HTTP ${res.status}`)
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') {
    discard(res)
    fail(`content-type must be application/json, got "${type || '(none)'}"`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body!.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > limits.maxBytes) {
      void reader.cancel().catch(() => undefined)
      fail(`document larger than ${limits.maxBytes} bytes`)
    }
    chunks.push(value)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return fail('body is not valid JSON')
  }
}
