import { officialNodeClient } from '../../examples/clients/official-node/adapter.ts'
import type { Driver } from '../../harness/drivers/types.ts'

/**
 * The official client, except that in scenario `blockAt` its init waits for the process's SIGINT (Ctrl-C), so a
 * test can interrupt a run at a known point without racing it; with `hang=1` it never lets go at all.
 */
export default function sigintAdapter(options: Record<string, string>): Driver {
  const driver = officialNodeClient()
  return {
    ...driver,
    async init(ctx) {
      if (ctx.scenarioId === options.blockAt) {
        process.stdout.write(`blocked in ${ctx.scenarioId}\n`)
        await new Promise<void>((resolve) => {
          if (options.hang !== '1') process.once('SIGINT', () => resolve())
        })
      }
      return driver.init(ctx)
    },
  }
}
