import type { Command } from 'commander'

/** Adds `bff`: runs the BFF family against a backend (docs/bff.md). */
export function addBffCommand(program: Command): void {
  program
    .command('bff')
    .description('run the BFF family against an app backend and its frontend session layer (docs/bff.md)')
    .requiredOption('--backend <file|example>', 'the backend declaration (JSON), or example[:flaw,…] for the bundled backend')
    .option('--base-url <url>', "override the declaration's baseUrl (e.g. the port the backend was started on)")
    .option('--scenario <id...>', 'only these scenario ids')
    .option('--report-dir <dir>', 'where the reports go', 'conformance-report')
    .option('--concurrency <n>', 'scenarios run in parallel (the backend must keep scenarios apart)', (v) => Number(v), 1)
    .option('--timeout <ms>', 'per frontend request', (v) => Number(v), 15000)
    .option('--protocol-checks', "also run the always-on protocol checks over the backend's OAuth traffic")
    .option('--no-redact', 'keep tokens and codes in the report transcripts')
    .option('--browser', 'log the frontends in through Chromium (/usr/bin/chromium via playwright-core) instead of the headless user agent')
    // The runner and the bundled backend load when the command runs (harness/cli.ts).
    .action(async (opts) => (await import('./run-command.ts')).runBffCommand(opts))
}
