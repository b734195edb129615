import { Command, InvalidArgumentError, Option } from 'commander'
import { isIP } from 'node:net'
import pc from 'picocolors'
import { HarnessError } from '../protocol/errors.ts'
import { addBffCommand } from './bff/command.ts'
import { addDpopCommands } from './dpop-command.ts'
import { DEFAULT_SERVE_PORT } from './serve-port.ts'
import { parseShard } from './shard.ts'
import { TOOL_VERSION } from './version.ts'

// Each command imports what it needs when it runs: `serve` must not pay for the scenario catalog, the reports
// or the drivers (its cold start is in the bench), nor `--help` for any of them.
const runModules = () =>
  Promise.all([
    import('../reports/baseline.ts'),
    import('./baseline-vocabulary.ts'),
    import('../reports/write.ts'),
    import('../scenarios/index.ts'),
    import('./console.ts'),
    import('./open-client.ts'),
    import('./runner.ts'),
    import('./select.ts'),
    import('./shard.ts'),
    import('./environment.ts'),
  ])

/** The signals that stop a run, and the exit code each gives (128 + its number, as a shell reports it). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
type StopSignal = (typeof STOP_SIGNALS)[number]
const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`)
    return n
  }
}

/** serve's first port: 0 (free ports), or a port whose next four are ports too. */
function servePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65531) throw new InvalidArgumentError('--port must be 0 (free ports) or a whole number from 1 to 65531 (serve takes it and the next four)')
  return n
}

function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=')
  if (i <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`)
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) }
}

/**
 * Ends the process as soon as a run's reports are written and its Worlds are closed: timers, sockets or workers
 * a client left behind must not hold it open. Output is flushed first; the exit code is the one the run set.
 */
function exitsWhenDone<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    await action(...args)
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))))
    process.exit()
  }
}

const program = new Command()
  .name('atproto-oauth-conformance')
  .description('Conformance harness for AT Protocol OAuth clients')
  .version(TOOL_VERSION)
  .option('--debug', 'show stack traces for errors')
  // Exit 2 for a usage mistake (DESIGN: 2 = user error, 1 = failing verdicts); help and --version exit 0.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2)
  })

program
  .command('run')
  .description('run scenarios against a client and write the reports')
  .option('--client <name|module>', 'bundled client name (official) or a module exporting a driver factory', 'official')
  .option('--client-option <key=value>', 'option passed to the client factory (repeatable)', keyValue)
  .option('--client-command <cmd>', 'run this program once per scenario and speak JSON lines over its stdio (docs/driver-protocol.md)')
  .option('--client-url <url>', "drive a running app through its HTTP test endpoint, e.g. http://127.0.0.1:8080/conformance (docs/driver-protocol.md)")
  .option('--client-image <image>', 'run this container image per scenario (testcontainers); --client-option protocol=http for an HTTP endpoint (docs/drivers.md)')
  .option('--scenario <id...>', 'only these scenario ids')
  .option('--family <family...>', 'only these families (e.g. ISS NONCE)')
  .option('--tag <tag...>', 'only scenarios with these tags')
  .addOption(new Option('--profile <profile>', 'server profile for every scenario').choices(['reference', 'strict']))
  .addOption(new Option('--topology <topology>', 'AS/PDS topology for every scenario').choices(['entryway', 'self-hosted']))
  .option('--https', 'present the mocks under https host names (routed to loopback in-process) so in-process clients run without allowHttp')
  .option('--report-dir <dir>', 'where the reports go', 'conformance-report')
  .option('--concurrency <n>', 'scenarios run in parallel', positiveInt('--concurrency'), 1)
  .option('--timeout <ms>', 'per client operation', positiveInt('--timeout'), 15000)
  .option('--no-redact', 'keep tokens and codes in the report transcripts')
  .option('--baseline <file>', 'expected failures: listed FAILs/ERRORs do not fail the run, stale entries do')
  .option('--client-browser <url|example>', "drive a web client's page in Chromium (docs/browser-driver.md); example[?flaw=…] is the bundled SPA")
  .option('--shard <i/n>', 'run part i of n of the selected scenarios (split by sorted id); join the parts with merge-reports (docs/ci.md)', parseShard)
  .action(exitsWhenDone(async (opts, cmd: Command) => {
    const [
      { judgeRun, readBaseline, resultLines },
      { defaultVocabulary },
      { prepareReportDir, writeReportFiles },
      { SCENARIOS },
      { consoleText, progressLine, runHeader, summary },
      { openClient },
      { runSuite },
      { selectScenarios },
      { selectShard },
      { checkEnvironment, EnvironmentError },
    ] = await runModules()
    const selected = selectScenarios(SCENARIOS, { ids: opts.scenario, families: opts.family, tags: opts.tag })
    if (selected.length === 0) throw new HarnessError('ERR_CONFIG', 'the filters select no scenario')
    const scenarios = opts.shard ? selectShard(selected, opts.shard) : selected
    const baseline = opts.baseline ? await readBaseline(opts.baseline, defaultVocabulary()) : undefined
    // Checked before the run: a report directory that cannot be written is a usage error now, not a lost report later.
    await prepareReportDir(opts.reportDir).catch((err: Error) => {
      throw new HarnessError('ERR_CONFIG', `--report-dir ${opts.reportDir}: ${err.message}`)
    })
    // A machine that cannot host a World (loopback down or filtered, listening refused) is said so now, exit 2,
    // before a client is opened: not 111 client ERRORs later.
    await checkEnvironment({ profile: opts.profile, topology: opts.topology })
    const client = await openClient(opts, cmd.getOptionValueSource('client') === 'cli')
    console.log(runHeader(client.name, client.kind, scenarios))
    // SIGINT (Ctrl-C), SIGTERM (a CI cancelling the job, `kill`) and SIGHUP (the terminal closed) end a run the
    // same way: the running scenarios finish, the rest are skipped, the partial report is written, and the exit
    // code is 128 + the signal's number. A second signal quits at once: the exit handlers kill every client
    // process group and the browser.
    const interrupt = new AbortController()
    let stoppedBy: StopSignal | undefined
    const onSignal = (signal: StopSignal) => {
      if (stoppedBy) process.exit(SIGNAL_EXIT_CODES[stoppedBy])
      stoppedBy = signal
      interrupt.abort()
      const again = signal === 'SIGINT' ? 'Ctrl-C again to quit now' : 'a second signal quits now'
      console.error(pc.yellow(`interrupted${signal === 'SIGINT' ? '' : ` by ${signal}`}: finishing the running scenario(s), then writing a partial report (${again})`))
    }
    const handlers = STOP_SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const)
    for (const [signal, handler] of handlers) process.on(signal, handler)
    const run = await runSuite({
      scenarios,
      driver: client.driver,
      clientName: client.name,
      driverKind: client.kind,
      profile: opts.profile,
      topology: opts.topology,
      https: opts.https,
      timeoutMs: opts.timeout,
      concurrency: opts.concurrency,
      noRedact: opts.redact === false,
      onScenarioEnd: (result, i, n) => console.log(progressLine(result, i, n)),
      signal: interrupt.signal,
    }).catch((err: unknown) => {
      if (!(err instanceof EnvironmentError)) throw err
      return err
    }).finally(async () => {
      // A client that fails to close (a browser already gone) must not cost the report.
      await client.close().catch((err: Error) => console.error(pc.yellow(`warning: closing the client failed: ${consoleText(err?.message ?? err)}`)))
    })
    if (run instanceof EnvironmentError) {
      // Mid-run (a World stopped starting): no report and no verdict, as the client was not what failed.
      for (const [signal, handler] of handlers) process.off(signal, handler)
      console.error(pc.red(`error: ${consoleText(run.message)}`))
      console.error('no verdict on the client and no report: fix the environment and run again')
      process.exitCode = 2
      return
    }
    // The result is decided before the reports are written, so that every report file says what the exit code says
    // (an interrupted run has no result: its reports are marked incomplete).
    const judged = run.incomplete ? { report: run } : judgeRun(run, baseline && { file: opts.baseline, entries: baseline })
    const report = judged.report
    if (opts.shard) report.shard = { ...opts.shard, selected: selected.length }
    console.log(summary(report))
    // Each file on its own: one that cannot be written is named, the others are still there.
    const files = await writeReportFiles(opts.reportDir, report)
    for (const file of files.written) console.log(`report written to ${file}`)
    for (const { path, reason } of files.failed) console.error(pc.red(`error: could not write ${path}: ${reason}`))
    for (const [signal, handler] of handlers) process.off(signal, handler)
    if (report.incomplete) {
      const skipped = report.scenarios.filter((r) => r.reason === 'run interrupted').length
      console.log(pc.yellow(`run interrupted: the report is incomplete (${skipped} scenario(s) not run)`))
      process.exitCode = SIGNAL_EXIT_CODES[stoppedBy ?? 'SIGINT']
      return
    }
    const { lines, failed } = resultLines(report, judged.outcome, opts.baseline)
    for (const line of lines) console.log(line.startsWith('result: ') ? (failed ? pc.red(line) : pc.green(line)) : line)
    // A report file that could not be written fails the run too (exit 1, never 2: the run itself completed).
    process.exitCode = failed || files.failed.length > 0 ? 1 : 0
  }))

program
  .command('list')
  .description('list the scenarios with their requirement ids')
  .option('--json', 'machine-readable output')
  .option('--coverage', 'map every requirement of the spec catalog to the scenarios and checks that test it')
  .action(async (opts) => {
    const [{ REQUIREMENTS }, { SCENARIOS }, { BFF_SCENARIOS }, { coverage, loadExclusions }, { ALWAYS_ON_CHECKS }] = await Promise.all([
      import('../scenarios/catalog.ts'),
      import('../scenarios/index.ts'),
      import('../scenarios/bff/index.ts'),
      import('./coverage.ts'),
      import('../scenarios/checks/index.ts'),
    ])
    if (opts.coverage) {
      const rows = coverage(REQUIREMENTS.values(), [...SCENARIOS, ...BFF_SCENARIOS], ALWAYS_ON_CHECKS, loadExclusions())
      if (opts.json) return console.log(JSON.stringify(rows, null, 2))
      for (const r of rows) {
        const by = [...r.scenarios, ...r.checks.map((c) => `[${c}]`)].join(' ')
        const status = by ? pc.green('covered ') : r.excluded ? pc.yellow('excluded') : pc.red('MISSING ')
        console.log(`${r.id.padEnd(11)}${r.level.padEnd(7)}${status} ${by || pc.dim(r.excluded ?? 'no scenario, no check, no exclusion')}`)
      }
      const covered = rows.filter((r) => r.scenarios.length || r.checks.length).length
      const excluded = rows.filter((r) => !r.scenarios.length && !r.checks.length && r.excluded).length
      console.log(`${rows.length} requirements: ${covered} covered, ${excluded} excluded with a reason, ${rows.length - covered - excluded} missing`)
      return
    }
    if (opts.json) {
      const rows = [
        ...SCENARIOS.map(({ id, title, family, requirements, profile, client }) => ({ id, title, family, requirements, profile, client })),
        ...BFF_SCENARIOS.map(({ id, title, family, requirements, profile }) => ({ id, title, family, requirements, profile })),
      ]
      console.log(JSON.stringify(rows, null, 2))
      return
    }
    // The BFF family runs against an app backend (`bff --backend …`), the others against a client.
    for (const s of [...SCENARIOS, ...BFF_SCENARIOS]) {
      const reqs = s.requirements.map((r) => `${r.id}${r.level === 'MUST' ? '' : `(${r.level})`}`).join(' ')
      console.log(`${s.family.padEnd(8)}${s.id.padEnd(34)}${pc.dim(reqs)}`)
    }
    console.log(`${SCENARIOS.length} scenarios in ${new Set(SCENARIOS.map((s) => s.family)).size} families`)
    console.log(`${BFF_SCENARIOS.length} BFF scenarios for app backends (run with \`bff --backend …\`, docs/bff.md)`)
  })

program
  .command('explain')
  .description('explain a scenario: what it tests, why, the fault, the expected behaviour and how to fix a failure')
  .argument('<id>', 'scenario id')
  .action(async (id: string) => {
    const [{ REQUIREMENTS }, { SCENARIOS }, { selectScenarios }] = await Promise.all([
      import('../scenarios/catalog.ts'),
      import('../scenarios/index.ts'),
      import('./select.ts'),
    ])
    const [s] = selectScenarios(SCENARIOS, { ids: [id] })
    const s_ = s!
    const lines = [
      pc.bold(`${s_.id} — ${s_.title}`),
      `family ${s_.family}; profile ${s_.profile ?? 'reference'}; topology ${s_.topology ?? 'entryway'}; client ${s_.client ?? 'public'}`,
      '',
      pc.bold('Requirements'),
      ...s_.requirements.map((r) => `  ${r.id} ${r.level}: ${REQUIREMENTS.get(r.id)?.text ?? '(not in the catalog)'}`),
      '',
      pc.bold('What is tested'),
      `  ${s_.explain.tests}`,
      pc.bold('Why it matters'),
      `  ${s_.explain.why}`,
      pc.bold('Fault injected'),
      `  ${s_.faults && Object.keys(s_.faults).length ? JSON.stringify(s_.faults) : 'completes' in s_.expect ? 'none (good path)' : 'none in the fault plan (the steps or the profile set the scene)'}`,
      pc.bold('Steps'),
      `  ${s_.steps.map((st) => st.op).join(' → ')}`,
      pc.bold('Expected client behaviour'),
      `  ${'completes' in s_.expect ? `completes every step${s_.expect.sends ? `, sending ${s_.expect.sends.join(', ')}` : ''}` : `refuses the ${s_.expect.failsAt} step${s_.expect.nth && s_.expect.nth > 1 ? ` (number ${s_.expect.nth} of its kind)` : ''}${s_.expect.forbidden?.length ? ` and never sends ${s_.expect.forbidden.join(', ')} after it` : ''}${s_.expect.atMost ? `; at most ${Object.entries(s_.expect.atMost).map(([k, v]) => `${v} × ${k}`).join(', ')}` : ''}`}`,
      pc.bold('How to fix a failing client'),
      `  ${s_.explain.fix}`,
    ]
    console.log(lines.join('\n'))
  })

program
  .command('serve')
  .description('run one mock World (AS, PDS, identity) on fixed loopback ports until interrupted')
  .addOption(new Option('--profile <profile>', 'server profile').choices(['reference', 'strict']).default('reference'))
  .addOption(new Option('--topology <topology>', 'AS/PDS topology').choices(['entryway', 'self-hosted']).default('entryway'))
  .option('--port <n>', `first port; AS, PDS, identity, client host and the control API take this and the next four (0: five free ports, printed at start)`, servePort, DEFAULT_SERVE_PORT)
  .option('--host <address>', 'address to bind (0.0.0.0 only inside a container whose ports are published to loopback)', '127.0.0.1')
  .action(async (opts) => {
    if (isIP(opts.host) === 0) throw new HarnessError('ERR_CONFIG', `--host ${opts.host}: give an IP address (127.0.0.1, or 0.0.0.0 inside a container)`)
    const { serveWorld } = await import('./serve.ts')
    await serveWorld({ profile: opts.profile, topology: opts.topology, basePort: opts.port, host: opts.host })
  })

addBffCommand(program)
addDpopCommands(program)

program
  .command('merge-reports')
  .description("join the report.json files of sharded runs (run --shard i/n) into one set of reports")
  .argument('<dir...>', "the shards' report directories (or their report.json files)")
  .requiredOption('--out <dir>', 'where the merged reports go')
  .option('--baseline <file>', 'expected failures, as for run')
  .action(async (dirs: string[], opts) => (await import('./merge-reports.ts')).mergeReportsCommand(dirs, opts))

try {
  await program.parseAsync()
} catch (err) {
  const { consoleText } = await import('./console.ts')
  if (err instanceof HarnessError) {
    console.error(pc.red(`error: ${consoleText(err.message)}`))
    if (program.opts().debug) console.error(err.stack)
    process.exitCode = 2
  } else {
    console.error(pc.red(`error: ${consoleText((err as Error)?.message ?? err)}`))
    if (program.opts().debug) console.error((err as Error)?.stack)
    else console.error('(run with --debug for the stack trace)')
    process.exitCode = 2
  }
}
