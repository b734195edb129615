/**
 * `npm run reference -- start|stop|status|install` — the real atproto reference server on loopback, for
 * differential testing (`npm run fidelity -- --differential`). Never needed by the harness itself.
 *
 * Exit codes: 0 done, 1 the server is not running (status), 2 a setup problem (its fix is printed).
 */
import { Command, InvalidArgumentError } from 'commander'
import pc from 'picocolors'
import { referenceStatus, startReference, stopReference, type ReferenceState } from './control.ts'
import { ensureInstalled, ReferenceSetupError, REFERENCE_VERSIONS } from './install.ts'

function describe(state: ReferenceState): string {
  const lines = [
    `reference server running (pid ${state.pid}, @atproto/pds ${REFERENCE_VERSIONS.pds}, @atproto/oauth-provider ${REFERENCE_VERSIONS.oauthProvider}, Node ${state.node})`,
    `  issuer and PDS  ${state.issuer}`,
    `  PLC directory   ${state.plc}`,
  ]
  if (state.account) lines.push(`  account         ${state.account.handle} / ${state.account.password} (${state.account.did})`)
  lines.push(`  log             ${state.log}`)
  return lines.join('\n')
}

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0 for a free one)')
  return n
}

async function guarded(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action()
  } catch (error) {
    if (error instanceof ReferenceSetupError) {
      console.error(`${pc.red('error:')} ${error.message}\n${pc.bold('fix:')} ${error.fix}`)
      process.exitCode = 2
      return
    }
    throw error
  }
}

const log = (line: string) => console.error(pc.dim(line))
const program = new Command('reference').description('the real atproto reference server (PDS + PLC) on loopback')

program
  .command('start')
  .description('install if needed, start PDS + PLC on 127.0.0.1, create the test account, print URLs and credentials')
  .option('--port <n>', 'the PDS port (default: a free one)', port)
  .option('--json', 'print the state as JSON')
  .action((options: { port?: number; json?: boolean }) =>
    guarded(async () => {
      const { state, already } = await startReference({ port: options.port, log })
      if (options.json) console.log(JSON.stringify(state, null, 2))
      else console.log(`${already ? 'already running\n' : ''}${describe(state)}`)
      return 0
    }),
  )

program
  .command('status')
  .description('whether it runs, and where')
  .option('--json', 'print the state as JSON')
  .action((options: { json?: boolean }) =>
    guarded(async () => {
      const status = await referenceStatus()
      if (options.json) console.log(JSON.stringify(status, null, 2))
      else console.log(status.running ? describe(status.state) : `not running: ${status.reason}`)
      return status.running ? 0 : 1
    }),
  )

program
  .command('stop')
  .description('stop it (its data folder goes with the next start)')
  .action(() =>
    guarded(async () => {
      console.log((await stopReference()) ? 'stopped' : 'was not running')
      return 0
    }),
  )

program
  .command('install')
  .description('install Node 22 and the reference server into the cache folder without starting it')
  .action(() =>
    guarded(async () => {
      const installation = ensureInstalled(log)
      console.log(`installed in ${installation.root}`)
      return 0
    }),
  )

await program.parseAsync()
