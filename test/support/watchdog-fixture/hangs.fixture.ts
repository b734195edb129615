import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { it } from 'vitest'

// Starts a helper in its own process group (as the process driver does) and then waits forever: the watchdog
// must name this file and test, list the helper, and kill it.
it('waits for nothing', async () => {
  const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'aoc-watchdog-helper'], { detached: true, stdio: 'ignore' })
  writeFileSync(process.env.AOC_WATCHDOG_HELPER_PID_FILE!, String(helper.pid))
  await new Promise(() => {})
})
