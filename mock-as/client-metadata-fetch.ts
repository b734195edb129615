import { InvalidClientMetadataError } from '../protocol/errors.ts'

/** Drops a response body we will not read (not awaited: nothing depends on the cancel settling). */
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
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return fail('not a URL')
  }
  // The document's own URL must stay on its origin: no credentials, https only, and the loopback URL is built
  // from the origin and the path as strings, then compared origin to origin. `new URL(path, origin)` would
  // resolve a path beginning with `//` (or `\\`) as another host: a client_id like
  // `https://client.world.internal//127.0.0.1:8080/x` would steer the fetcher to any loopback port.
  if (target.protocol !== 'https:') fail(`only https URLs are fetched, not ${target.protocol}`)
  if (target.username || target.password) fail('URLs with credentials are not fetched')
  const origin = hosts.get(target.host)
  if (!origin) return fail(`host "${target.host}" is not served by this harness (only loopback mocks are reachable)`)
  const path = target.pathname.replace(/^\/+/, '/')
  let local: URL
  try {
    local = new URL(`${origin}${path}${target.search}`)
  } catch {
    return fail('the path cannot be fetched')
  }
  if (local.origin !== new URL(origin).origin || !local.pathname.startsWith('/')) fail('the path leaves the document host')
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  const timedOut = () => fail(`no answer within ${limits.timeoutMs} ms`)
  let res: Response
  try {
    res = await fetch(local, {
      redirect: 'manual',
      signal: deadline,
      // fetch drops a Host header, so the name the AS asked for travels in its own header (for the transcript).
      headers: { accept: 'application/json', host: target.host, 'x-conformance-host': target.host, 'x-conformance-actor': 'authorization-server' },
    })
  } catch (err) {
    return deadline.aborted ? timedOut() : fail(`request failed (${(err as Error).message})`)
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
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > limits.maxBytes) {
    discard(res)
    fail(`document larger than ${limits.maxBytes} bytes`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  if (!res.body) return fail('no body')
  const reader = res.body.getReader()
  // The deadline covers the body too: a host that sends headers and then trickles (or stalls) is an error of
  // the client's document, not of the harness.
  try {
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
  } catch (err) {
    if (err instanceof InvalidClientMetadataError) throw err
    void reader.cancel().catch(() => undefined)
    return deadline.aborted ? timedOut() : fail(`the body broke off (${(err as Error).message})`)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return fail('body is not valid JSON')
  }
}
