/**
 * The official `@atproto/oauth-client-node` as a stand-alone program that speaks the JSON-lines driver protocol
 * (docs/driver-protocol.md): the in-process adapter of examples/clients/official-node behind the generic
 * stdio server. Run it through the process driver:
 *
 *   npx atproto-oauth-conformance run --client-command "node --import tsx examples/clients/official-stdio/main.ts"
 *
 * `--flaw mask-bad-iss` switches on the adapter's deliberate flaw (for the harness's own tests).
 */
import { parseArgs } from 'node:util'
import { serveStdio } from '../../../harness/drivers/stdio-server.ts'
import { officialNodeClient } from '../official-node/adapter.ts'

const { values } = parseArgs({ options: { flaw: { type: 'string' } } })
if (values.flaw !== undefined && values.flaw !== 'mask-bad-iss') {
  console.error(`unknown flaw "${values.flaw}" (known: mask-bad-iss)`)
  process.exit(2)
}
const flaw = values.flaw as 'mask-bad-iss' | undefined

await serveStdio(() => officialNodeClient({ flaw }), {
  name: `@atproto/oauth-client-node (stdio)${flaw ? ` flaw=${flaw}` : ''}`,
  capabilities: { confidential: true, native: true, refresh: true, restore: true, signOut: true, storeFaults: true },
})
