/**
 * `npm run differential` — the differential run: generated and hand-written exchanges sent to the real
 * reference server (`npm run reference -- start`) and to a World, compared fact by fact.
 *
 *   npm run differential                        against the running reference server, reference profile
 *   npm run differential -- --only par/         the cases whose id starts with par/
 *   npm run differential -- --record            also write what the real server answered (fidelity/differential/recorded.json)
 *   npm run differential -- --live http://localhost:2583 --handle alice.test --password alice-pass
 *
 * Prints the differences grouped by what differs, per-area figures, and the plain line `N matched, N differ`;
 * writes everything to conformance-report/differential.json. Exit code 0 when every exchange matched, 1
 * otherwise, 2 when no reference server runs or for a usage mistake.
 */
import { Command } from 'commander'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pc from 'picocolors'
import { referenceStatus } from '../reference/control.ts'
import { liveTarget } from '../target.ts'
import { writeRecording } from './recording.ts'
import { byArea, groupDifferences } from './report.ts'
import { allCases } from './cases/index.ts'
import { runDifferential } from './run.ts'

interface Options {
  live?: string
  handle?: string
  password?: string
  only?: string
  record?: boolean
  groups: string
  json: string
}

const program = new Command('differential')
  .description('differential testing of the mocks against the real atproto reference server')
  .option('--live <url>', 'the server to compare with (default: the one `npm run reference -- start` runs)')
  .option('--handle <handle>', 'its test account (default alice.test)')
  .option('--password <password>', "the account's password (default alice-pass)")
  .option('--only <prefix>', 'only the cases whose id starts with this')
  .option('--record', 'write the real server’s answers to fidelity/differential/recorded.json, for npm test to replay')
  .option('--groups <n>', 'difference groups to print', '40')
  .option('--json <file>', 'where to write the whole result', 'conformance-report/differential.json')
  .action(async (options: Options) => {
    let base = options.live
    let account = { handle: options.handle, password: options.password }
    if (!base) {
      const status = await referenceStatus()
      if (!status.running) {
        console.error(`${pc.red('error:')} no reference server: ${status.reason}`)
        process.exitCode = 2
        return
      }
      base = status.state.issuer
      account = { handle: status.state.account?.handle, password: status.state.account?.password }
    }
    const target = liveTarget({ base, handle: account.handle, password: account.password, ui: 'reference' })
    console.error(pc.dim(`comparing ${target.label} with a World (reference/self-hosted)…`))
    let lastArea = ''
    const run = await runDifferential({
      live: target,
      only: options.only,
      onCase: (r, i, n) => {
        if (r.area !== lastArea) console.error(pc.dim(`  [${i + 1}/${n}] ${r.area}`))
        lastArea = r.area
      },
    })
    const groups = groupDifferences(run)
    for (const g of groups.slice(0, Number(options.groups))) {
      console.log(`${pc.red(String(g.cases.length).padStart(4))}  ${g.what}\n        ${pc.dim(g.cases.slice(0, 4).join(' '))}${g.cases.length > 4 ? pc.dim(' …') : ''}`)
    }
    if (groups.length > Number(options.groups)) console.log(pc.dim(`  … ${groups.length - Number(options.groups)} more groups in ${options.json}`))
    for (const a of byArea(run)) console.log(pc.dim(`  ${a.area.padEnd(10)} ${String(a.matched).padStart(5)} / ${String(a.exchanges).padEnd(5)} exchanges matched (${a.cases} cases)`))
    console.log(`${run.matched} matched, ${run.differ} differ`)
    console.log(pc.dim(`(${run.cases.length} cases, ${run.exchanges} compared exchanges, ${((100 * run.matched) / Math.max(1, run.exchanges)).toFixed(1)} % match; ${(run.ms / 1000).toFixed(1)} s)`))
    const file = resolve(options.json)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify({ ...run, groups, cases: run.cases.map(({ live, mock, ...rest }) => rest) }, null, 1))
    if (options.record) {
      const known = new Set(allCases().map((c) => c.id))
      console.log(`recorded ${writeRecording(run, known)} cases into fidelity/differential/recorded.json`)
    }
    process.exitCode = run.differ === 0 ? 0 : 1
  })

await program.parseAsync()
