import { minimalClient } from './adapter.ts'
import { parseFlaws } from './flaws.ts'
import type { ResponseMode } from './client.ts'

/**
 * `--client minimal` (or `--client examples/clients/minimal/index.ts`): one driver per scenario.
 * `--client-option flaw=a,b` switches on deliberate flaws (README.md); an unknown name is an error listing the
 * known ones. `--client-option responseMode=query|fragment|form_post` picks the response mode it asks for.
 */
export default function createMinimalClient(options: Record<string, string> = {}): ReturnType<typeof minimalClient> {
  const mode = options.responseMode
  if (mode !== undefined && !RESPONSE_MODES.includes(mode as ResponseMode)) {
    throw new Error(`unknown responseMode "${mode}" for the minimal client (known: ${RESPONSE_MODES.join(', ')})`)
  }
  return minimalClient(parseFlaws(options.flaw), { responseMode: mode as ResponseMode | undefined })
}

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post']
