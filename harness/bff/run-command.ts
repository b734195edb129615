import { HarnessError } from '../../protocol/errors.ts'
import { writeReports } from '../../reports/write.ts'
import { BFF_SCENARIOS } from '../../scenarios/bff/index.ts'
import { bffBackend } from '../../examples/clients/bff-backend/index.ts'
import { BFF_FLAW_NAMES, type BffFlaw } from '../../examples/clients/bff-backend/flaws.ts'
import { progressLine, summary } from '../console.ts'
import { BrowserFrontendLogin } from './browser-login.ts'
import { bffRunFailed, runBffSuite, type BffTarget } from './runner.ts'
import { readDeclaration, runningBackend } from './targets.ts'

/** The options of `bff` (harness/bff/command.ts declares them). */
export interface BffCommandOptions {
  backend: string
  baseUrl?: string
  scenario?: string[]
  reportDir: string
  concurrency: number
  timeout: number
  protocolChecks?: boolean
  redact: boolean
  browser?: boolean
}

/** `example` or `example:flaw1,flaw2` → the bundled backend; anything else → a declaration file. */
async function openBackend(spec: string, baseUrl: string | undefined): Promise<BffTarget> {
  const m = /^example(?::(.*))?$/.exec(spec)
  if (!m) return runningBackend(await readDeclaration(spec, baseUrl))
  const flaws = (m[1] ?? '').split(',').filter(Boolean)
  const unknown = flaws.filter((f) => !BFF_FLAW_NAMES.includes(f as BffFlaw))
  if (unknown.length) throw new HarnessError('ERR_CONFIG', `unknown flaw ${unknown.join(', ')}; flaws: ${BFF_FLAW_NAMES.join(', ')}`)
  return bffBackend(flaws as BffFlaw[])
}

/** Runs `bff`: the BFF family against a backend, then the reports. */
export async function runBffCommand(opts: BffCommandOptions): Promise<void> {
  const ids: string[] | undefined = opts.scenario
  for (const id of ids ?? []) {
    if (!BFF_SCENARIOS.some((s) => s.id === id)) throw new HarnessError('ERR_CONFIG', `unknown BFF scenario "${id}" (see \`atproto-oauth-conformance list\`)`)
  }
  const scenarios = BFF_SCENARIOS.filter((s) => !ids?.length || ids.includes(s.id))
  const target = await openBackend(opts.backend, opts.baseUrl)
  console.log(`atproto-oauth-conformance — backend ${target.name} (${target.driverKind}), ${scenarios.length} BFF scenario(s)`)
  let browser: BrowserFrontendLogin | undefined
  if (opts.browser) {
    const opened = await BrowserFrontendLogin.open()
    if (typeof opened === 'string') throw new HarnessError('ERR_CONFIG', `--browser: ${opened}`)
    browser = opened
  }
  const report = await runBffSuite({
    scenarios,
    target,
    concurrency: opts.concurrency,
    timeoutMs: opts.timeout,
    protocolChecks: !!opts.protocolChecks,
    noRedact: opts.redact === false,
    browser,
    onScenarioEnd: (r, i, n) => console.log(progressLine(r, i, n)),
  }).finally(() => browser?.close())
  console.log(summary(report))
  for (const file of await writeReports(opts.reportDir, report)) console.log(`report written to ${file}`)
  process.exitCode = bffRunFailed(report) ? 1 : 0
}
