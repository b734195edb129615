import { createServer, type RequestListener, type Server } from 'node:http'

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

/**
 * Starts an HTTP server on 127.0.0.1 with an ephemeral port, and on [::1] with the same port when the
 * machine has IPv6 loopback, so `http://localhost:<port>` URLs (did:web, loopback client ids) reach it
 * whichever address `localhost` resolves to. Never binds a non-loopback address.
 */
export async function listenLoopback(handler: RequestListener, port = 0): Promise<LoopbackServer> {
  const v4 = createServer(handler)
  v4.keepAliveTimeout = 1000
  await listenOn(v4, port, '127.0.0.1')
  const address = v4.address()
  if (!address || typeof address === 'string') throw new Error('server has no port')
  const servers: Server[] = [v4]
  const v6 = createServer(handler)
  try {
    await listenOn(v6, address.port, '::1')
    servers.push(v6)
  } catch {
    // No IPv6 loopback here, or the port is taken on ::1: 127.0.0.1 alone serves.
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
