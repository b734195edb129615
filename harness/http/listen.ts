import { createServer, type RequestListener, type Server } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * Connections open at once across all the servers that share it (one World's): past `limit`, a new connection
 * is answered 503 and closed, so a client that opens sockets and never sends (slowloris) or floods in parallel
 * cannot exhaust the harness's file descriptors.
 */
export interface ConnectionCap {
  readonly limit: number
  open: number
  /** Connections answered 503 because `limit` were open. */
  refused: number
}

function capConnections(server: Server, cap: ConnectionCap): void {
  server.on('connection', (socket) => {
    if (cap.open >= cap.limit) {
      cap.refused++
      const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: `Too many connections: this World keeps at most ${cap.limit} open` })
      socket.on('error', () => undefined)
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      return
    }
    cap.open++
    socket.once('close', () => cap.open--)
  })
}

/** A server listening on loopback only. */
export interface LoopbackServer {
  port: number
  /** `http://127.0.0.1:<port>` */
  origin: string
  close(): Promise<void>
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
}

/**
 * A request Node's HTTP parser refuses (bad bytes, oversize headers…) never reaches a handler; Node would answer
 * a bare `400` without a body. The mocks answer it as every other bad request: an OAuth-style JSON error.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const sent = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  if (err.code === 'ECONNRESET' || !socket.writable || sent) return void socket.destroy()
  const [status, text] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request']
  const body = JSON.stringify({ error: 'invalid_request', error_description: `Malformed HTTP request: ${text}` })
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  )
}

function createLoopbackServer(handler: RequestListener): Server {
  const server = createServer(handler)
  server.keepAliveTimeout = 1000
  server.on('clientError', answerClientError)
  // An `Expect` other than 100-continue: Node would answer a bare 417.
  server.on('checkExpectation', (req, res) => {
    res.writeHead(417, { 'Content-Type': 'application/json', Connection: 'close' })
    res.end(JSON.stringify({ error: 'invalid_request', error_description: `Unsupported Expect header: ${req.headers.expect}` }))
    req.resume()
  })
  return server
}

/**
 * Starts an HTTP server on 127.0.0.1 with an ephemeral port, and on [::1] with the same port when the
 * machine has IPv6 loopback, so `http://localhost:<port>` URLs (did:web, loopback client ids) reach it
 * whichever address `localhost` resolves to. Never binds a non-loopback address, unless `bindHost` names one:
 * only `serve --host 0.0.0.0` does, inside a container whose ports are published to the host's loopback.
 */
export async function listenLoopback(handler: RequestListener, port = 0, bindHost = '127.0.0.1', cap?: ConnectionCap): Promise<LoopbackServer> {
  const v4 = createLoopbackServer(handler)
  if (cap) capConnections(v4, cap)
  await listenOn(v4, port, bindHost)
  const address = v4.address()
  if (!address || typeof address === 'string') throw new Error('server has no port')
  const servers: Server[] = [v4]
  if (bindHost === '127.0.0.1') {
    const v6 = createLoopbackServer(handler)
    if (cap) capConnections(v6, cap)
    try {
      await listenOn(v6, address.port, '::1')
      servers.push(v6)
    } catch {
      // No IPv6 loopback here, or the port is taken on ::1: 127.0.0.1 alone serves.
    }
  }
  return {
    port: address.port,
    origin: `http://127.0.0.1:${address.port}`,
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve())
              s.closeAllConnections()
            }),
        ),
      )
    },
  }
}
