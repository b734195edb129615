import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { exitWithParent, ROOT, startChild, tsxArgs } from './lib/child.ts'
import { emit, summarize } from './lib/stats.ts'

/**
 * Cold start of the mock stack: from spawning a process to the answer of its first request, for `serve` as a user
 * of the package starts it (the built JavaScript in dist/, `npm run build`), for `serve` from the sources (tsx, as
 * in a checkout) and for a minimal script that only creates a World; and the floors under them:
 * `node` alone and `node` with the tsx loader that runs the TypeScript sources.
 */
exitWithParent()

const REPS = Number(process.env.BENCH_COLD_REPS ?? 7)

/** Spawns, waits for the line naming the AS, requests its metadata; ms from spawn to the answer. */
async function coldStart(args: string[], ready: RegExp, origin: (line: string) => string): Promise<{ totalMs: number; readyMs: number; line: string }> {
  const t = performance.now()
  const child = startChild(args)
  try {
    const line = await child.line(ready)
    const readyMs = performance.now() - t
    const res = await fetch(`${origin(line)}/.well-known/oauth-authorization-server`)
    if (res.status !== 200) throw new Error(`first request answered ${res.status}`)
    await res.arrayBuffer()
    return { totalMs: performance.now() - t, readyMs, line }
  } finally {
    await child.stop()
  }
}

async function exitTime(args: string[]): Promise<number> {
  const t = performance.now()
  const child = startChild(args)
  await new Promise((resolve) => child.proc.once('exit', resolve))
  return performance.now() - t
}

/**
 * The same World script bundled into one JavaScript file (esbuild, a dev dependency) and run by plain node: what
 * the stack costs without the TypeScript loader. Undefined when it cannot be bundled here.
 */
async function bundleWorldScript(): Promise<string | undefined> {
  try {
    const { build } = await import('esbuild')
    const outfile = join(tmpdir(), `aoc-cold-start-${process.pid}.mjs`)
    await build({
      entryPoints: [join(ROOT, 'bench/servers/cold-start.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      // express and friends are CommonJS and require() node built-ins.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    })
    return outfile
  } catch {
    return undefined
  }
}

/** `npm run build`: dist/ as the package ships it. False when it cannot be built here. */
function buildPackage(): boolean {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT, stdio: 'ignore' }).status === 0
}

const built = buildPackage()
const bundle = await bundleWorldScript()
const bundled: { totalMs: number; readyMs: number; line: string }[] = []
const serve: { totalMs: number; readyMs: number }[] = []
const serveBuilt: { totalMs: number; readyMs: number }[] = []
const world: { totalMs: number; readyMs: number; line: string }[] = []
const node: number[] = []
const tsx: number[] = []
for (let i = 0; i < REPS; i++) {
  // `--port 0`: serve takes free ports itself and names them in its banner.
  const cli = async (script: string, into: { totalMs: number; readyMs: number }[]) => {
    into.push(await coldStart([script, 'serve', '--port', '0'], /authorization server\s+http/, (l) => /(http:\/\/\S+)/.exec(l)![1]!))
  }
  // The bin runs the sources through tsx in a checkout; the package's bin runs the bundled CLI, dist/cli/cli.js.
  await cli('bin/atproto-oauth-conformance.js', serve)
  if (built) await cli('dist/cli/cli.js', serveBuilt)
  world.push(await coldStart(tsxArgs('bench/servers/cold-start.ts'), /^READY /, (l) => l.split(' ')[1]!))
  if (bundle) bundled.push(await coldStart([bundle], /^READY /, (l) => l.split(' ')[1]!))
  node.push(await exitTime(['-e', '0']))
  tsx.push(await exitTime(['--import', 'tsx', '-e', '0']))
}
if (bundle) await rm(bundle, { force: true })
emit({
  serveCli: { firstAnswerMs: summarize(serve.map((s) => s.totalMs)), readyLineMs: summarize(serve.map((s) => s.readyMs)) },
  serveBuiltCli: built ? { firstAnswerMs: summarize(serveBuilt.map((s) => s.totalMs)), readyLineMs: summarize(serveBuilt.map((s) => s.readyMs)) } : undefined,
  createWorldScript: {
    firstAnswerMs: summarize(world.map((s) => s.totalMs)),
    readyLineMs: summarize(world.map((s) => s.readyMs)),
    // Inside the child, ms since its process started: node + tsx loader, + imports (harness, express, undici), + createWorld.
    breakdown: {
      loaderMs: summarize(world.map((s) => Number(s.line.split(' ')[2]))),
      importsMs: summarize(world.map((s) => Number(s.line.split(' ')[3]) - Number(s.line.split(' ')[2]))),
      createWorldMs: summarize(world.map((s) => Number(s.line.split(' ')[4]) - Number(s.line.split(' ')[3]))),
    },
  },
  bundledWorldScript: bundle ? { firstAnswerMs: summarize(bundled.map((s) => s.totalMs)), readyAtMs: summarize(bundled.map((s) => Number(s.line.split(' ')[4]))) } : undefined,
  floors: { nodeMs: summarize(node), nodeWithTsxMs: summarize(tsx) },
})
