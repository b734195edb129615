import type { Driver } from '../../../harness/drivers/types.ts'
import { officialNodeClient } from './adapter.ts'

/** `--client official`: options `flaw=mask-bad-iss` switches on the adapter's deliberate flaw. */
export default function createOfficialClient(options: Record<string, string> = {}): Driver {
  const flaw = options.flaw
  if (flaw !== undefined && flaw !== 'mask-bad-iss') {
    throw new Error(`unknown flaw "${flaw}" for the official client adapter (known: mask-bad-iss)`)
  }
  return officialNodeClient({ flaw })
}
