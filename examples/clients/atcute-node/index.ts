import type { Driver } from '../../../harness/drivers/types.ts'
import { atcuteNodeClient } from './adapter.ts'

/** `--client atcute`: `@atcute/oauth-node-client` through its adapter (https only: the harness runs it under --https). */
export default function createAtcuteNodeClient(options: Record<string, string> = {}): Driver {
  const unknown = Object.keys(options)
  if (unknown.length > 0) throw new Error(`the atcute client adapter takes no options (got ${unknown.join(', ')})`)
  return atcuteNodeClient()
}
