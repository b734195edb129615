import { connect, createServer } from 'node:net'

/**
 * Ports for tests, without the race of "pick a port, close it, hope": a port found free and released can be
 * taken by any other process (the other test workers' Worlds listen on ephemeral ports all the time).
 */

let refusedAtZero: Promise<boolean> | undefined

/**
 * A loopback port nothing listens on, for "connection refused" tests. Port 0 can never be listened on, and
 * Linux refuses a connection to it at once; where it does not (another OS), a port found closed a moment ago.
 */
export async function closedPort(): Promise<number> {
  refusedAtZero ??= new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 0 })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.setTimeout(2000, () => {
      socket.destroy()
      resolve(false)
    })
  })
  if (await refusedAtZero) return 0
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Whether a loopback port can be bound right now. */
async function bindable(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

const inUse = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' || /EADDRINUSE/.test(String((err as Error)?.message))

/**
 * Runs `fn` with `count` loopback ports that were free a moment ago (consecutive when asked), below Linux's
 * ephemeral range (32768+) where the Worlds of other test files take theirs; and again with other ports when
 * one was taken in between (EADDRINUSE). Any other error is `fn`'s own and is thrown.
 */
export async function withFreePorts<T>(count: number, fn: (ports: number[]) => Promise<T>, options: { consecutive?: boolean; attempts?: number } = {}): Promise<T> {
  const attempts = options.attempts ?? 8
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = []
    for (let tries = 0; ports.length < count && tries < 200; tries++) {
      const candidate = options.consecutive && ports.length > 0 ? ports[ports.length - 1]! + 1 : 10_000 + Math.floor(Math.random() * 22_000)
      if (await bindable(candidate)) ports.push(candidate)
      else if (options.consecutive) ports.length = 0
    }
    if (ports.length < count) throw new Error(`no ${count} free loopback ports found`)
    try {
      return await fn(ports)
    } catch (err) {
      if (!inUse(err) || attempt >= attempts) throw err
    }
  }
}
