import { createServer } from 'node:http'

/** A tiny loopback endpoint through which a bench server reports its own CPU time and memory. */
export async function startStatsServer(): Promise<string> {
  const server = createServer((_req, res) => {
    const cpu = process.cpuUsage()
    const mem = process.memoryUsage()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, rss: mem.rss, heapUsed: mem.heapUsed }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

/** Stops on SIGTERM or SIGINT. */
export function untilStopped(close: () => Promise<void>): void {
  const stop = () => void close().then(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
