import { Command, InvalidArgumentError, Option } from 'commander'
import { isIP } from 'node:net'
import pc from 'picocolors'
import { HarnessError } from '../protocol/errors.ts'
import { applyBaseline, baselineFailed, describeBaseline, readBaseline } from '../reports/baseline.ts'
import { defaultVocabulary } from './baseline-vocabulary.ts'
import { writeReports } from '../reports/write.ts'
import { REQUIREMENTS } from '../scenarios/catalog.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { BFF_SCENARIOS } from '../scenarios/bff/index.ts'
import { addBffCommand } from './bff/command.ts'
import { progressLine, runHeader, summary } from './console.ts'
import { openClient } from './open-client.ts'
import { coverage, loadExclusions } from './coverage.ts'
import { ALWAYS_ON_CHECKS } from '../scenarios/checks/index.ts'
import { runFailed, runSuite } from './runner.ts'
import { selectScenarios } from './select.ts'
import { serveWorld } from './serve.ts'
import { TOOL_VERSION } from './version.ts'

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`)
    return n
  }
}

function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=')
  if (i <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`)
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) }
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
  .option('--https', 'present the mocks under https host names (msw) so in-process clients run without allowHttp')
  .option('--report-dir <dir>', 'where the reports go', 'conformance-report')
  .option('--concurrency <n>', 'scenarios run in parallel', positiveInt('--concurrency'), 1)
  .option('--timeout <ms>', 'per client operation', positiveInt('--timeout'), 15000)
  .option('--no-redact', 'keep tokens and codes in the report transcripts')
  .option('--baseline <file>', 'expected failures: listed FAILs/ERRORs do not fail the run, stale entries do')
  .option('--client-browser <url|example>', "drive a web client's page in Chromium (docs/browser-driver.md); example[?flaw=…] is the bundled SPA")
  .action(async (opts, cmd: Command) => {
    const scenarios = selectScenarios(SCENARIOS, { ids: opts.scenario, families: opts.family, tags: opts.tag })
    if (scenarios.length === 0) throw new HarnessError('ERR_CONFIG', 'the filters select no scenario')
    const baseline = opts.baseline ? await readBaseline(opts.baseline, defaultVocabulary()) : undefined
    const client = await openClient(opts, cmd.getOptionValueSource('client') === 'cli')
    console.log(runHeader(client.name, client.kind, scenarios))
    // Ctrl-C: the running scenarios finish, the rest are skipped, the partial report is written (exit 130);
    // a second Ctrl-C quits at once.
    const interrupt = new AbortController()
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
      console.error(pc.yellow('interrupted: finishing the running scenario(s), then writing a partial report (Ctrl-C again to quit now)'))
    }
    process.on('SIGINT', onSigint)
    const report = await runSuite({
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
    }).finally(() => {
      process.off('SIGINT', onSigint)
      return client.close()
    })
    console.log(summary(report))
    for (const file of await writeReports(opts.reportDir, report)) console.log(`report written to ${file}`)
    if (report.incomplete) {
      const skipped = report.scenarios.filter((r) => r.reason === 'run interrupted').length
      console.log(pc.yellow(`run interrupted: the report is incomplete (${skipped} scenario(s) not run)`))
      process.exitCode = 130
      return
    }
    if (baseline) {
      const outcome = applyBaseline(report, baseline)
      for (const line of describeBaseline(outcome)) console.log(line)
      const failed = baselineFailed(outcome)
      console.log(
        failed
          ? pc.red(`result: FAIL (${outcome.failing.length} failure(s) not in ${opts.baseline}, ${outcome.stale.length} stale entr${outcome.stale.length === 1 ? 'y' : 'ies'})`)
          : pc.green(`result: PASS (${outcome.baselined.length} known failure(s) listed in ${opts.baseline})`),
      )
      process.exitCode = failed ? 1 : 0
    } else {
      process.exitCode = runFailed(report) ? 1 : 0
    }
  })

program
  .command('list')
  .description('list the scenarios with their requirement ids')
  .option('--json', 'machine-readable output')
  .option('--coverage', 'map every requirement of the spec catalog to the scenarios and checks that test it')
  .action((opts) => {
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
  .action((id: string) => {
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
      `  ${s_.faults && Object.keys(s_.faults).length ? JSON.stringify(s_.faults) : 'none (good path)'}`,
      pc.bold('Steps'),
      `  ${s_.steps.map((st) => st.op).join(' → ')}`,
      pc.bold('Expected client behaviour'),
      `  ${'completes' in s_.expect ? `completes every step${s_.expect.sends ? `, sending ${s_.expect.sends.join(', ')}` : ''}` : `refuses the ${s_.expect.failsAt} step${s_.expect.forbidden?.length ? ` and never sends ${s_.expect.forbidden.join(', ')} after it` : ''}${s_.expect.atMost ? `; at most ${Object.entries(s_.expect.atMost).map(([k, v]) => `${v} × ${k}`).join(', ')}` : ''}`}`,
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
  .option('--port <n>', 'first port; AS, PDS, identity, client host and the control API take this and the next four', positiveInt('--port'), 2583)
  .option('--host <address>', 'address to bind (0.0.0.0 only inside a container whose ports are published to loopback)', '127.0.0.1')
  .action(async (opts) => {
    if (isIP(opts.host) === 0) throw new HarnessError('ERR_CONFIG', `--host ${opts.host}: give an IP address (127.0.0.1, or 0.0.0.0 inside a container)`)
    await serveWorld({ profile: opts.profile, topology: opts.topology, basePort: opts.port, host: opts.host })
  })

addBffCommand(program)

try {
  await program.parseAsync()
} catch (err) {
  if (err instanceof HarnessError) {
    console.error(pc.red(`error: ${err.message}`))
    if (program.opts().debug) console.error(err.stack)
    process.exitCode = 2
  } else {
    console.error(pc.red(`error: ${(err as Error)?.message ?? err}`))
    if (program.opts().debug) console.error((err as Error)?.stack)
    else console.error('(run with --debug for the stack trace)')
    process.exitCode = 2
  }
}
