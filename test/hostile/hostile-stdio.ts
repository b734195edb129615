/**
 * A hostile client program for the process driver: `node --import tsx test/hostile/hostile-stdio.ts <mode>`
 * (modes in wire-tricks.ts). It writes its leaked secrets, one per line, to the file named by
 * HOSTILE_LEAKED_FILE (for the test's assertions), and floods its stderr with them and with escape sequences.
 */
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { payload } from './leaking-client.ts'
import { hostileSession, WIRE_MODES, type WireMode } from './wire-tricks.ts'

const mode = process.argv[2] as WireMode
if (!WIRE_MODES.includes(mode)) {
  console.error(`unknown mode ${mode}`)
  process.exit(2)
}
const file = process.env.HOSTILE_LEAKED_FILE
const leaked = {
  secrets: {
    push: (...s: string[]) => {
      if (file && s.length) appendFileSync(file, `${s.join('\n')}\n`)
      return 0
    },
  } as unknown as string[],
}
const log = (text: string) => void process.stderr.write(text)
const answer = hostileSession(mode, leaked, log)
// More stderr than the report keeps (64 KiB), every line a workflow command or an escape sequence.
process.stderr.write(`${payload('stderr-flood')}\n`.repeat(2000))
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const request = JSON.parse(line) as { op?: string }
  const text = await answer(request)
  // The over-limit answer never ends its line: the harness must stop reading at its limit.
  process.stdout.write(text.length > 4 * 1024 * 1024 ? text : `${text}\n`)
  if (request.op === 'dispose') process.exit(0)
}
process.exit(0)
