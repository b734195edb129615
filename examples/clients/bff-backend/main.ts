/**
 * Runs the example backend on its own, as a "running backend": `tsx examples/clients/bff-backend/main.ts
 * [--port 8787] [--flaw <name>]…` prints its declaration (JSON) on stdout; save it and point the harness at it:
 * `atproto-oauth-conformance bff --backend bff.json`.
 */
import { startBffBackend } from './app.ts'
import { BFF_FLAW_NAMES, type BffFlaw } from './flaws.ts'

const args = process.argv.slice(2)
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8787
const flaws = args.flatMap((a, i) => (a === '--flaw' ? [args[i + 1] as BffFlaw] : []))
const unknown = flaws.filter((f) => !BFF_FLAW_NAMES.includes(f))
if (unknown.length) {
  console.error(`unknown flaw ${unknown.join(', ')}; flaws: ${BFF_FLAW_NAMES.join(', ')}`)
  process.exit(2)
}
const backend = await startBffBackend({ port, flaws })
console.log(JSON.stringify(backend.declaration, null, 2))
process.on('SIGINT', () => void backend.close().then(() => process.exit(0)))
process.on('SIGTERM', () => void backend.close().then(() => process.exit(0)))
